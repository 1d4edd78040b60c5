"""The certificate design an administrator edits: placeholders, images, the draft → in use
versions with their history, the pages (inline errors, preview) and who may open them."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from academy.audit.models import AuditEvent
from academy.errors import ApplicationError
from certificates.models.designs import (
    CertificateDesign,
    design_active,
    design_image_validate,
    placeholders_check,
    text_fill,
)
from certificates.services.designs import (
    design_activate,
    design_copy_to_draft,
    design_draft_discard,
    design_draft_save,
)
from tests.certificates.issued_fixtures import signing_key_tmp  # noqa: F401
from tests.factories import UserFactory, totp_enrol

pytestmark = pytest.mark.django_db


def _staff(role: str):
    user = UserFactory(roles=[role])
    totp_enrol(user)
    return user


def image_bytes(kind: str = "PNG", size: tuple[int, int] = (120, 120),
                colour=(200, 30, 30, 160)) -> bytes:
    mode = "RGBA" if kind == "PNG" else "RGB"
    image = Image.new(mode, size, colour if mode == "RGBA" else colour[:3])
    buffer = io.BytesIO()
    image.save(buffer, format=kind)
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def form_data(**overrides) -> dict[str, str]:
    """A complete, valid design form (the built-in design's texts)."""
    builtin = CertificateDesign.builtin()
    data = {name: getattr(builtin, name) for name in (
        "title_zh", "title_en", "heading_zh", "heading_en", "body_zh", "body_en",
        "issuing_body_zh", "issuing_body_en", "signatory_zh", "signatory_en",
        "ink_colour", "accent_colour", "border_style", "qr_position")}
    data["note"] = ""
    data.update(overrides)
    return data


# --- Placeholders --------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "", "兹证明", "{name}于{valid_from}达到{level}的要求", "{serial} · {issuing_body}",
    "有效期至{valid_until}", "{{literal}} braces",
])
def test_whitelisted_placeholders_are_accepted(text):
    placeholders_check(text)


@pytest.mark.parametrize("text", [
    "{name.__class__}", "{name.__class__.__mro__}", "{level[0]}", "{0}", "{}", "{name!r}",
    "{name:>99999}", "{password}", "{settings.SECRET_KEY}", "unclosed {name", "stray }",
])
def test_anything_but_a_whitelisted_placeholder_is_refused(text):
    with pytest.raises(ValidationError):
        placeholders_check(text)


def test_filling_replaces_only_whitelisted_names_and_never_evaluates():
    values = {"name": "张三", "level": "中级技术经纪人"}
    assert text_fill("{name}，认定为{level}。{{ok}}", values) == "张三，认定为中级技术经纪人。{ok}"
    # Stored text is validated on save; even if it were not, nothing is looked up.
    assert text_fill("{name.__class__}{0}{name}", values) == "张三"
    assert text_fill("broken {name", values) == "broken {name"


# --- Images --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["PNG", "JPEG"])
def test_png_and_jpeg_images_are_accepted(kind):
    design_image_validate(upload(f"seal.{kind.lower()}", image_bytes(kind)))


@pytest.mark.parametrize("content, message", [
    (b"not an image at all", "not a PNG or JPEG"),
    (image_bytes("GIF"), "PNG or JPEG"),
    (image_bytes("PNG", size=(10, 10)), "between"),
    (image_bytes("PNG", size=(3200, 40)), "between"),
])
def test_other_files_are_refused_with_the_reason(content, message, english):
    with pytest.raises(ValidationError) as caught:
        design_image_validate(upload("seal.png", content))
    assert message in " ".join(caught.value.messages)


def test_an_image_over_one_megabyte_is_refused(english):
    big = upload("seal.png", image_bytes() + b"\x00" * (1024 * 1024))
    with pytest.raises(ValidationError, match="larger than 1 MB"):
        design_image_validate(big)


# --- Versions ------------------------------------------------------------------------------


def test_without_any_version_the_built_in_design_is_used():
    from certificates.conf import app_settings

    design = design_active()
    assert design.pk is None
    assert design.title_zh == app_settings.CERT_TITLE
    assert design.issuing_body_zh == app_settings.CERT_ISSUING_BODY


def test_saving_edits_the_draft_and_putting_it_in_use_retires_the_previous(admin_user):
    first = design_draft_save(actor=admin_user, values=form_data(title_zh="技术经纪人证书"))
    assert first.status == CertificateDesign.Status.DRAFT and first.version == 1
    again = design_draft_save(actor=admin_user, values=form_data(title_zh="技术经纪人证书（一）"))
    assert again.pk == first.pk  # one draft, edited in place
    assert design_active().pk is None  # a draft changes nothing in use

    design_activate(actor=admin_user, design_id=first.pk)
    assert design_active().pk == first.pk
    assert design_active().title_zh == "技术经纪人证书（一）"

    second = design_draft_save(actor=admin_user, values=form_data(title_zh="第二版"))
    assert second.pk != first.pk and second.version == 2
    design_activate(actor=admin_user, design_id=second.pk)
    first.refresh_from_db()
    assert first.status == CertificateDesign.Status.RETIRED  # kept in the history
    assert design_active().pk == second.pk
    actions = list(AuditEvent.objects.filter(action__startswith="certificates.design_")
                   .values_list("action", flat=True))
    assert actions.count("certificates.design_activated") == 2
    assert actions.count("certificates.design_saved") == 3


def test_only_the_draft_can_be_put_in_use(admin_user):
    draft = design_draft_save(actor=admin_user, values=form_data())
    design_activate(actor=admin_user, design_id=draft.pk)
    with pytest.raises(ApplicationError):
        design_activate(actor=admin_user, design_id=draft.pk)


def test_a_new_draft_starts_from_the_design_in_use_and_an_old_version_can_be_copied(
        admin_user):
    v1 = design_draft_save(actor=admin_user, values=form_data(title_zh="第一版",
                                                              border_style="single"))
    design_activate(actor=admin_user, design_id=v1.pk)
    v2 = design_draft_save(actor=admin_user, values={"title_zh": "第二版"})
    assert v2.border_style == "single"  # untouched fields come from the design in use
    design_activate(actor=admin_user, design_id=v2.pk)

    draft = design_copy_to_draft(actor=admin_user, design_id=v1.pk)
    assert draft.status == CertificateDesign.Status.DRAFT and draft.title_zh == "第一版"
    design_draft_discard(actor=admin_user)
    assert not CertificateDesign.objects.filter(status="draft").exists()
    assert design_active().pk == v2.pk


def test_the_service_validates_whatever_calls_it(admin_user):
    with pytest.raises(ValidationError):
        design_draft_save(actor=admin_user, values=form_data(body_zh="{name.__dict__}"))
    with pytest.raises(ValidationError):
        design_draft_save(actor=admin_user, values=form_data(accent_colour="gold"))
    assert not CertificateDesign.objects.exists()


@pytest.mark.parametrize("role", ["auditor", "trainer", "broker"])
def test_only_administrators_change_the_design(role):
    user = UserFactory(roles=[role])
    with pytest.raises(PermissionDenied):
        design_draft_save(actor=user, values=form_data())


# --- Pages ---------------------------------------------------------------------------------


def test_the_edit_page_shows_inline_errors_and_saves_nothing(client):
    client.force_login(_staff("admin"))
    response = client.post("/certificates/design/edit/", form_data(
        body_zh="{name.__class__}", accent_colour="red",
        seal=upload("seal.png", b"GIF89a not really")))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="design-form-errors"' in html
    assert html.count("invalid-feedback") >= 3  # body, colour, seal
    assert "is-invalid" in html
    assert not CertificateDesign.objects.exists()


def test_an_admin_edits_previews_and_puts_a_design_in_use_through_the_pages(client):
    admin = _staff("admin")
    client.force_login(admin)
    assert client.get("/certificates/design/").status_code == 200
    assert client.get("/certificates/design/edit/").status_code == 200
    response = client.post("/certificates/design/edit/", form_data(
        title_zh="技术经纪人证书", note="新印章",
        seal=upload("seal.png", image_bytes())))
    draft = CertificateDesign.objects.get(status="draft")
    assert response.status_code == 302 and response["Location"].endswith(f"/{draft.pk}/")
    assert draft.seal.name.startswith("certificates/designs/")
    preview = client.get(f"/certificates/design/{draft.pk}/preview.pdf")
    assert preview.status_code == 200 and preview["Content-Type"] == "application/pdf"
    assert preview.content.startswith(b"%PDF")
    assert client.get(f"/certificates/design/{draft.pk}/").status_code == 200

    response = client.post(f"/certificates/design/{draft.pk}/activate/")
    assert response.status_code == 302
    assert design_active().pk == draft.pk
    html = client.get("/certificates/design/").content.decode()
    assert 'data-testid="rerender-form"' in html and "新印章" in html
    assert 'data-testid="pdfs-behind" data-count="0"' in html  # no certificates yet

    # Keeping the image: saving the next draft without a new upload keeps the seal.
    client.post("/certificates/design/edit/", form_data(title_zh="第二版"))
    assert CertificateDesign.objects.get(status="draft").seal.name == draft.seal.name


def test_the_built_in_design_has_a_preview_too(client):
    client.force_login(_staff("admin"))
    response = client.get("/certificates/design/0/preview.pdf?lang=en")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


@pytest.mark.parametrize("role", ["auditor", "trainer", "broker"])
def test_no_one_else_opens_the_design_pages(client, role):
    user = _staff(role) if role != "broker" else UserFactory(roles=["broker"])
    client.force_login(user)
    assert client.get("/certificates/design/").status_code == 403
    assert client.get("/certificates/design/0/preview.pdf").status_code == 403
    assert client.post("/certificates/design/edit/", form_data()).status_code == 403
    assert not CertificateDesign.objects.exists()
