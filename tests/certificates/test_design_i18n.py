"""The design and bulk-run pages read in Chinese by default and in English under /en/, with no
sentence of our catalogue left in the other language."""

from __future__ import annotations

import pytest
from django.utils import translation

from certificates.services.bulk import bulk_cohort_issue_start, bulk_run_step
from tests.certificates.factories import requirement_set
from tests.certificates.issued_fixtures import signing_key_tmp  # noqa: F401
from tests.courses.factories import CohortFactory, enrol
from tests.factories import BrokerFactory, UserFactory, totp_enrol
from tests.ui.test_translations import (
    HAN,
    _chinese_sentences,
    _english_sentences,
    visible_text,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(db):
    user = UserFactory(roles=["admin"])
    totp_enrol(user)
    return user


@pytest.fixture
def finished_run(admin):
    requirement_set(practice_records=1)
    cohort = CohortFactory()
    enrol(BrokerFactory(), cohort)
    with translation.override("zh-hans"):  # the language of the request that starts it
        run = bulk_cohort_issue_start(actor=admin, cohort_id=cohort.pk)
    with translation.override("en"):  # the worker's own language does not matter
        while bulk_run_step(run_id=run.pk)[0] != "done":
            pass
    return run


# Each page: its path and strings we know it shows (English source).
PAGES = {
    "design": ("/certificates/design/", ["Certificate design", "Start a draft from the design "
                                         "in use", "Re-render the stored PDFs"]),
    "design edit": ("/certificates/design/edit/", [
        "Placeholders you can use in the body and the signatory line:", "Save the draft",
        "QR code position"]),
    "bulk runs": ("/certificates/bulk/", ["Issue certificates for a cohort",
                                          "Issue for the cohort"]),
}


@pytest.mark.parametrize("page", list(PAGES))
def test_the_pages_are_in_chinese(client, admin, page):
    client.force_login(admin)
    path, known = PAGES[page]
    html = client.get(path).content.decode()
    text = visible_text(html)
    assert '<html lang="zh-CN">' in html and len(HAN.findall(text)) > 40
    with translation.override("zh-hans"):
        for msgid in known:
            assert translation.gettext(msgid) != msgid and translation.gettext(msgid) in text
    left = [sentence for sentence in _english_sentences() if sentence in text]
    assert not left, f"English left on {page}: {left}"


@pytest.mark.parametrize("page", list(PAGES))
def test_the_pages_are_in_english_under_the_prefix(client, admin, page):
    client.force_login(admin)
    path, known = PAGES[page]
    html = client.get("/en" + path).content.decode()
    text = visible_text(html)
    assert '<html lang="en">' in html
    for msgid in known:
        assert msgid in text, msgid
    left = [sentence for sentence in _chinese_sentences() if sentence in text]
    assert not left, f"Chinese left on {page}: {left}"


def test_a_run_reports_in_the_language_it_was_started_in(client, admin, finished_run):
    client.force_login(admin)
    item = finished_run.items.get()
    assert item.outcome == "not_ready" and "：" in item.detail  # Chinese punctuation
    progress = client.get(f"/certificates/bulk/{finished_run.pk}/progress/").json()
    assert "已处理 1 / 1" in progress["label"]
    english = client.get(f"/en/certificates/bulk/{finished_run.pk}/progress/").json()
    assert english["label"].startswith("1 of 1 done")
