"""The design drives the PDF: the preview is a real certificate whose Chinese is drawn, every
rendering uses the design in use and records its version, and rendering stays fast."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from certificates.models.designs import CertificateDesign, CertificateRendering
from certificates.services.designs import (
    design_activate,
    design_draft_save,
    design_preview_pdf,
    design_preview_png,
)
from certificates.services.pdf import certificate_pdf, certificate_pdf_store
from tests import services
from tests.certificates.issued_fixtures import issue, signing_key_tmp  # noqa: F401
from tests.certificates.test_design import form_data, image_bytes, upload
from tests.certificates.test_issued_pdf import _dark_fraction
from tests.factories import BrokerFactory, UserFactory

pytestmark = pytest.mark.django_db


def _tools():
    if not (shutil.which("pdftoppm") and shutil.which("pdffonts") and shutil.which("pdftotext")):
        services.missing("poppler-utils (pdftoppm, pdffonts, pdftotext) not installed")


def _rasterise(tmp_path, content: bytes) -> bytes:
    path = tmp_path / "c.pdf"
    path.write_bytes(content)
    subprocess.run(["pdftoppm", "-r", "40", "-gray", "-singlefile", str(path),
                    str(tmp_path / "page")], check=True)
    return (tmp_path / "page.pgm").read_bytes()


def _text(tmp_path, content: bytes) -> str:
    path = tmp_path / "t.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def _fonts_embedded(tmp_path, content: bytes) -> bool:
    path = tmp_path / "f.pdf"
    path.write_bytes(content)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True,
                           check=True).stdout
    rows = fonts.splitlines()[2:]
    return bool(rows) and all(" yes " in row for row in rows)


@pytest.fixture
def admin(db):
    return UserFactory(roles=["admin"])


def _design(admin, **fields) -> CertificateDesign:
    draft = design_draft_save(actor=admin, values=form_data(**fields))
    return draft


def test_the_preview_is_a_sample_certificate_whose_chinese_is_drawn(tmp_path, admin):
    _tools()
    design = _design(admin, title_zh="技术经纪人证书", body_zh="于{valid_from}达到全部要求，认定为",
                     seal=upload("seal.png", image_bytes()))
    content = design_preview_pdf(design=design)
    assert _fonts_embedded(tmp_path, content)
    text = _text(tmp_path, content)
    assert "技术经纪人证书" in text and "张三" in text and "中级技术经纪人" in text
    assert "达到全部要求" in text and "{valid_from}" not in text and "年" in text
    pgm = _rasterise(tmp_path, content)
    # Title, name and level in the upper middle: glyphs are drawn, not blank boxes.
    assert _dark_fraction(pgm, (0.3, 0.15, 0.7, 0.55)) > 0.01
    # The QR code in its default corner, bottom right.
    assert _dark_fraction(pgm, (0.8, 0.7, 0.95, 0.92)) > 0.1


def test_the_english_preview_uses_the_english_texts(tmp_path, admin):
    _tools()
    design = _design(admin, title_en="Technology Broker Certificate",
                     body_en="has met every requirement of {level}")
    text = _text(tmp_path, design_preview_pdf(design=design, language="en"))
    assert "Technology Broker Certificate" in text and "Zhang San" in text
    assert "Intermediate" in text or "intermediate" in text.lower()


def test_an_empty_english_body_prints_nothing_rather_than_chinese(tmp_path, admin):
    _tools()
    design = _design(admin, body_en="", heading_en="", signatory_zh="局长：王某某",
                     signatory_en="")
    text = _text(tmp_path, design_preview_pdf(design=design, language="en"))
    assert "认定为" not in text and "兹证明" not in text
    assert "局长：王某某" in text  # a signatory's name and title read the same


def test_the_qr_code_moves_to_the_chosen_corner(tmp_path, admin):
    _tools()
    pgm = _rasterise(tmp_path, design_preview_pdf(design=_design(admin,
                                                                 qr_position="top_left")))
    assert _dark_fraction(pgm, (0.06, 0.08, 0.2, 0.3)) > 0.1
    assert _dark_fraction(pgm, (0.82, 0.72, 0.95, 0.9)) < 0.05


def test_a_thumbnail_is_drawn_when_pdftoppm_is_installed(admin):
    _tools()
    png = design_preview_png(design=_design(admin))
    assert png is not None and png.startswith(b"\x89PNG")


def test_renderings_use_the_design_in_use_and_record_its_version(tmp_path, admin):
    _tools()
    certificate = issue(BrokerFactory(user__full_name="李四"))
    certificate_pdf_store(certificate_id=certificate.pk)
    rendering = CertificateRendering.objects.get(certificate=certificate, language="zh-hans")
    assert rendering.design is None  # the built-in design, before any version is in use

    design = _design(admin, title_zh="技术经纪人证书（新版）", signatory_zh="局长：王某某",
                     body_zh="{name}已达到全部要求，认定为")
    design_activate(actor=admin, design_id=design.pk)
    stored = certificate_pdf_store(certificate_id=certificate.pk)
    text = _text(tmp_path, stored.pdf.read())
    assert "技术经纪人证书（新版）" in text and "局长：王某某" in text
    assert "李四已达到全部要求" in text
    rendering.refresh_from_db()
    assert rendering.design_id == design.pk

    certificate_pdf_store(certificate_id=certificate.pk, language="en")
    assert CertificateRendering.objects.get(certificate=certificate,
                                            language="en").design_id == design.pk


def test_a_missing_image_file_does_not_stop_rendering(admin):
    design = _design(admin, seal=upload("seal.png", image_bytes()))
    design.seal.storage.delete(design.seal.name)
    certificate = issue(BrokerFactory())
    assert certificate_pdf(certificate, design=design).startswith(b"%PDF")


@pytest.mark.parametrize("border", ["double", "single", "corners", "none"])
def test_every_border_renders(admin, border):
    content = design_preview_pdf(design=_design(admin, border_style=border))
    assert content.startswith(b"%PDF")


def test_a_design_s_images_are_prepared_once_and_embedded_as_jpeg(admin, monkeypatch):
    """Reading and re-compressing the seal and logo on every render was the slow path (tens of
    milliseconds per certificate; the speed itself is measured by bench/certificates.py): each
    image is read from storage once per process and embedded as JPEG, as ReportLab takes it."""
    design = _design(admin, seal=upload("seal.png", image_bytes(size=(600, 600))),
                     logo=upload("logo.jpg", image_bytes("JPEG", size=(800, 300)),
                                 "image/jpeg"))
    storage = design.seal.storage
    opened: list[str] = []
    original_open = storage.open

    def counting_open(name, *args, **kwargs):
        opened.append(name)
        return original_open(name, *args, **kwargs)

    monkeypatch.setattr(storage, "open", counting_open)
    monkeypatch.setattr("certificates.services.pdf._images", {})  # nothing of an earlier test's
    certificate = issue(BrokerFactory())
    contents = [certificate_pdf(certificate, design=design) for _ in range(3)]

    assert sorted(opened) == sorted([design.seal.name, design.logo.name])
    assert all(content.count(b"/DCTDecode") == 2 for content in contents)
