"""Production never signs with a key nobody publishes: its settings force
SIGNING_KEY_AUTOCREATE off, a worker without the key refuses to start, and /healthz says which
key signs (or that none is installed)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from certificates.credentials import signing as credentials
from tests.certificates.issued_fixtures import signing_key_tmp  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]


def _prod_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in {"DJANGO_SETTINGS_MODULE", "DEBUG", "SIGNING_KEY_AUTOCREATE"}}
    env.update(DJANGO_SETTINGS_MODULE="academy.settings.prod", SECRET_KEY="k" * 60,
               ALLOWED_HOSTS="academy.example.cn", **extra)
    return env


def test_production_forces_autocreate_off_even_when_asked(tmp_path):
    run = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c",
         "from django.conf import settings as s; print(s.ACADEMY_SIGNING_KEY_AUTOCREATE)"],
        cwd=ROOT, env=_prod_env(SIGNING_KEY_AUTOCREATE="1",
                                SIGNING_KEY_PATH=str(tmp_path / "k.pem")),
        capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().splitlines()[-1] == "False"


def test_a_production_worker_without_the_key_refuses_to_start(tmp_path):
    missing = tmp_path / "nowhere" / "signing-ed25519.pem"
    run = subprocess.run(
        [sys.executable, "-m", "celery", "-A", "academy", "worker", "--pool=solo",
         "--loglevel=WARNING"],
        cwd=ROOT, env=_prod_env(SIGNING_KEY_PATH=str(missing), REDIS_URL="",
                                CELERY_BROKER_URL="memory://"),
        capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode != 0
    assert "signing_key_generate" in run.stdout + run.stderr
    assert not missing.exists()


@pytest.mark.django_db
def test_healthz_reports_the_signing_keys_url(client, settings, tmp_path):
    credentials.signing_key_generate()
    report = client.get("/healthz").json()
    assert report["signing_key"] == {
        "ok": True, "kid": credentials.key_url(credentials.signing_key()[1])}
    assert report["signing_key"]["kid"].startswith("did:web:")

    settings.ACADEMY_SIGNING_KEY_PATH = str(tmp_path / "none" / "key.pem")
    settings.ACADEMY_SIGNING_KEY_AUTOCREATE = False
    credentials._cache.clear()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["signing_key"]["ok"] is False
