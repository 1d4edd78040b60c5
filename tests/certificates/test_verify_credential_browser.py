"""In a real browser: someone given a credential file uploads it on the public verification
page and reads a verdict for each check; a tampered copy is refused."""

from __future__ import annotations

import json

import pytest

from certificates.credentials.signing import credential_ld
from tests.certificates.issued_fixtures import issue, signing_key_tmp  # noqa: F401
from tests.factories import BrokerFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_uploading_a_credential_file_shows_each_check(live_server, page, tmp_path, settings):
    settings.ACADEMY_SITE_URL = live_server.url
    certificate = issue(BrokerFactory())
    document = credential_ld(certificate.credential)
    good = tmp_path / f"{certificate.serial}.jsonld"
    good.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")

    page.goto(live_server.url + "/verify/")
    form = page.locator("[data-testid='credential-check-form']")
    form.locator("input[type='file']").set_input_files(str(good))
    form.locator("[data-testid='credential-check']").click()
    result = page.locator("[data-testid='credential-result']")
    result.wait_for()
    assert result.get_attribute("data-verdict") == "valid"
    for name in ("signature", "issuer", "dates", "status", "schema"):
        assert page.locator(f"[data-testid='check-{name}']").get_attribute(
            "data-verdict") == "pass"
    assert "有效" in page.locator("[data-testid='credential-verdict']").inner_text()

    document["credentialSubject"]["achievement"]["name"] = "高级技术经理人"
    forged = tmp_path / "forged.jsonld"
    forged.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    page.goto(live_server.url + "/verify/")
    form = page.locator("[data-testid='credential-check-form']")
    form.locator("input[type='file']").set_input_files(str(forged))
    form.locator("[data-testid='credential-check']").click()
    page.locator("[data-testid='credential-result']").wait_for()
    assert page.locator("[data-testid='credential-result']").get_attribute(
        "data-verdict") == "invalid"
    assert page.locator("[data-testid='check-signature']").get_attribute(
        "data-verdict") == "fail"
