"""The certificate PDF: Chinese really drawn (rasterised), font embedded, QR to the page."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from certificates.models.issued import Certificate
from certificates.services.pdf import certificate_pdf, certificate_pdf_store, verify_url
from tests.certificates.issued_fixtures import issue, signing_key_tmp  # noqa: F401
from tests.factories import BrokerFactory

pytestmark = pytest.mark.django_db


def _tools():
    if not (shutil.which("pdftoppm") and shutil.which("pdffonts")):
        pytest.skip("poppler-utils (pdftoppm, pdffonts) not installed")


def _dark_fraction(pgm: bytes, box: tuple[float, float, float, float]) -> float:
    """Share of dark pixels in ``box`` (fractions of width and height) of a binary PGM."""
    parts = pgm.split(b"\n", 3)
    width, height = map(int, parts[1].split())
    pixels = parts[3]
    x0, y0, x1, y1 = (int(box[0] * width), int(box[1] * height), int(box[2] * width),
                      int(box[3] * height))
    dark = total = 0
    for y in range(y0, y1):
        row = pixels[y * width + x0: y * width + x1]
        dark += sum(1 for value in row if value < 128)
        total += len(row)
    return dark / total


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_pdf_draws_the_text_with_an_embedded_font(tmp_path, language):
    _tools()
    certificate = issue(BrokerFactory(user__full_name="张三明"))
    content = certificate_pdf(certificate, language=language)
    path = tmp_path / "c.pdf"
    path.write_bytes(content)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True,
                           check=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows and all(" yes " in row for row in rows), fonts  # emb column
    subprocess.run(["pdftoppm", "-r", "40", "-gray", "-singlefile", str(path),
                    str(tmp_path / "page")], check=True)
    pgm = (tmp_path / "page.pgm").read_bytes()
    assert pgm.startswith(b"P5")
    # The holder's name and the level, centred in the upper half: glyphs are drawn.
    assert _dark_fraction(pgm, (0.3, 0.25, 0.7, 0.55)) > 0.01
    # The QR code, bottom right.
    assert _dark_fraction(pgm, (0.8, 0.7, 0.95, 0.92)) > 0.1
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    if shutil.which("pdftotext"):
        assert certificate.serial in text
        if language == "zh-hans":
            assert "张三明" in text and "中级技术经纪人" in text


def test_the_task_stores_the_pdf_and_downloads_serve_it(client):
    broker = BrokerFactory()
    certificate = issue(broker)
    client.force_login(broker)
    url = f"/certificates/{certificate.pk}/pdf/"
    assert client.get(url).status_code == 404  # not rendered yet: never on the request path
    certificate_pdf_store(certificate_id=certificate.pk)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert Certificate.objects.get(pk=certificate.pk).pdf_rendered_at is not None


def test_the_qr_code_leads_to_the_verification_page(settings):
    settings.ACADEMY_SITE_URL = "https://academy.example.cn/"
    assert verify_url("4112-M-2026-00001H") == \
        "https://academy.example.cn/verify/4112-M-2026-00001H/"
