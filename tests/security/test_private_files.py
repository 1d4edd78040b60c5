"""Private files (practice evidence, certificate PDFs, exports, question images) are served only
by views that
check permission: no path under MEDIA_URL serves a stored file, to anyone, in any settings
module; the public verification page shows the masked name only."""

from __future__ import annotations

import importlib

import pytest
from django.core.files.base import ContentFile
from django.test import override_settings
from django.urls import clear_url_caches, resolve, reverse

from academy.people.models import Level
from certificates.services.issuance import certificate_issue
from certificates.services.pdf import certificate_pdf_store
from tests.certificates.factories import PracticeRecordFactory, evidence_for
from tests.factories import BrokerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def stored_files(db):
    """One of each kind of private file, stored as the services store them."""
    from talent.models import TalentExport

    broker = BrokerFactory(user__full_name="王晓明")
    record = PracticeRecordFactory(broker=broker)
    evidence = evidence_for(record)
    certificate = certificate_issue(broker_id=broker.pk,
                                    level_id=Level.objects.get(code="intermediate").pk)
    certificate_pdf_store(certificate_id=certificate.pk)
    certificate.refresh_from_db()
    from tests.factories import UserFactory

    export = TalentExport.objects.create(kind="brokers", file_format="csv",
                                         requested_by=UserFactory(roles=["auditor"]))
    export.file.save("brokers.csv", ContentFile("王晓明\n".encode()), save=True)
    image = _question_image()
    return {"evidence": (evidence, evidence.file.name),
            "pdf": (certificate, certificate.pdf.name),
            "export": (export, export.file.name),
            "image": (image, image.file.name)}


def _question_image():
    """An image of a question (a Moodle import stores them so), named after a broker: the
    response bodies are searched for that name."""
    import io

    from PIL import Image

    from exams.services import ImageUpload, question_create
    from tests.exams.factories import tag

    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, "PNG", pnginfo=_png_text("王晓明"))
    question = question_create(
        type="truefalse", stem="[[image:cert.png]]", answer=True, created_by=None,
        tags=[tag()], images=[ImageUpload(name="cert.png", content=out.getvalue(),
                                          content_type="image/png")])
    return question.current_version.images.get()


def _png_text(value: str):
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_itxt("Author", value)
    return info


@pytest.mark.parametrize("kind", ["evidence", "pdf", "export", "image"])
def test_anonymous_requests_for_every_media_path_are_refused(client, stored_files, kind):
    _obj, name = stored_files[kind]
    assert name
    for prefix in ("/media/", "/en/media/"):
        response = client.get(prefix + name)
        assert response.status_code == 404, (prefix, name)
        assert "王晓明".encode() not in response.content


@pytest.mark.parametrize("kind", ["evidence", "pdf", "export", "image"])
def test_the_serving_views_refuse_anonymous_requests(client, stored_files, kind):
    obj, _name = stored_files[kind]
    url = {"evidence": reverse("people:practice_evidence", args=[obj.pk]),
           "pdf": reverse("certificates:certificate_pdf", args=[obj.pk]),
           "export": reverse("talent:export_download", args=[obj.pk]),
           "image": reverse("exams:question_image", args=[obj.pk])}[kind]
    response = client.get(url)
    assert response.status_code in (302, 403, 404)
    assert "王晓明".encode() not in response.content


@pytest.mark.parametrize("debug", [False, True])
def test_no_settings_module_serves_the_storage_by_path(debug):
    """With DEBUG on (the demo) as off (production), MEDIA_URL resolves to the refusal."""
    import academy.urls

    with override_settings(DEBUG=debug):
        clear_url_caches()
        importlib.reload(academy.urls)
        assert resolve("/media/certificates/pdf/2026/x.pdf").url_name == "media-refused"
    clear_url_caches()
    importlib.reload(academy.urls)


def test_the_public_verification_page_masks_the_name(client, stored_files):
    certificate, _name = stored_files["pdf"]
    body = client.get(reverse("verify:detail", args=[certificate.serial])
                      ).content.decode()
    assert certificate.serial in body
    assert "王晓明" not in body and "*" in body
