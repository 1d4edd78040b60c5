"""The production settings pass Django's deployment checklist with zero warnings."""

import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent
_ALPHABET = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"


def _run_prod(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items()
             if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DEBUG", "DJANGO_SETTINGS_MODULE",
                          "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR, capture_output=True, text=True, timeout=120,
        env={**clean, "DJANGO_SETTINGS_MODULE": "academy.settings.prod", **env},
    )


def test_prod_settings_pass_check_deploy_without_warnings():
    secret_key = "".join(secrets.choice(_ALPHABET) for _ in range(60))

    result = _run_prod(
        "check", "--deploy", "--fail-level", "WARNING",
        SECRET_KEY=secret_key, ALLOWED_HOSTS="academy.example.cn",
    )

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues (0 silenced)." in output
    assert "WARNINGS" not in output and "ERRORS" not in output


def test_prod_settings_refuse_to_start_without_a_secret_key():
    result = _run_prod("check", ALLOWED_HOSTS="academy.example.cn")

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_prod_settings_force_debug_off_and_staff_mfa_on():
    secret_key = "".join(secrets.choice(_ALPHABET) for _ in range(60))

    result = _run_prod(
        "shell", "-c",
        "from django.conf import settings as s; "
        "print(s.DEBUG, s.ACADEMY_STAFF_MFA_REQUIRED, s.ACADEMY_DEMO_MODE)",
        SECRET_KEY=secret_key, ALLOWED_HOSTS="academy.example.cn",
        DEBUG="1", STAFF_MFA_REQUIRED="0", DEMO_MODE="1",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == ["False", "True", "False"]
