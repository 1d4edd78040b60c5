"""Production settings with MEDIA_BUCKET put uploads and generated files in an S3-compatible
bucket; without it, in MEDIA_ROOT. Each case loads the production settings in a fresh
process, as gunicorn would, and asks Django's storage for a file's address: the presigned
URL is computed locally (no bucket is reachable from here), so it proves the wiring — the
backend, bucket, endpoint, prefix and signing — not a round trip to a real bucket."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json
import django
django.setup()
from django.conf import settings
from django.core.files.storage import default_storage, storages
print(json.dumps({
    "backend": settings.STORAGES["default"]["BACKEND"],
    "static": settings.STORAGES["staticfiles"]["BACKEND"],
    "class": type(storages["default"]).__name__,
    "url": default_storage.url("certificates/pdf/2026/NC-0001.pdf"),
}))
"""


def _probe(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("MEDIA_", "AWS_", "DATABASE_REPLICA"))}
    env.update(DJANGO_SETTINGS_MODULE="academy.settings.prod", SECRET_KEY="x" * 50,
               ALLOWED_HOSTS="academy.example.cn", **extra)
    run = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env,  # noqa: S603
                         capture_output=True, text=True, timeout=60, check=False)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_without_a_bucket_files_stay_in_the_media_folder():
    found = _probe()
    assert found["backend"] == "django.core.files.storage.FileSystemStorage"
    assert found["static"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_with_a_bucket_files_go_to_it_privately_with_short_signed_addresses():
    found = _probe(MEDIA_BUCKET="academy-media", MEDIA_PREFIX="sanmenxia",
                   MEDIA_ENDPOINT_URL="https://oss-cn-zhengzhou.aliyuncs.com",
                   MEDIA_ACCESS_KEY="AKIDEXAMPLE", MEDIA_SECRET_KEY="secret-example",
                   MEDIA_REGION="cn-zhengzhou", MEDIA_ADDRESSING_STYLE="virtual")
    assert found["backend"] == "storages.backends.s3.S3Storage"
    assert found["class"] == "S3Storage"
    # The static files are still the image's own, served by whitenoise.
    assert found["static"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    url = urlsplit(found["url"])
    assert url.scheme == "https"
    assert url.netloc == "academy-media.oss-cn-zhengzhou.aliyuncs.com"
    assert url.path == "/sanmenxia/certificates/pdf/2026/NC-0001.pdf"
    query = parse_qs(url.query)
    assert query["X-Amz-Expires"] == ["300"]
    assert query["X-Amz-Credential"][0].startswith("AKIDEXAMPLE/")
    assert "X-Amz-Signature" in query
