"""Fixtures of the certificate tests (import them into a test module to use them)."""

from __future__ import annotations

import pytest

from academy.people.models import Level


@pytest.fixture(autouse=True)
def signing_key_tmp(settings, tmp_path):
    """Each test signs with a key of its own, in a temporary directory."""
    from certificates.credentials import signing as credentials

    settings.ACADEMY_SIGNING_KEY_PATH = str(tmp_path / "keys" / "signing-ed25519.pem")
    settings.ACADEMY_SIGNING_KEY_AUTOCREATE = True
    credentials._cache.clear()
    yield settings.ACADEMY_SIGNING_KEY_PATH
    credentials._cache.clear()


def level(code: str) -> Level:
    return Level.objects.get(code=code)


def issue(broker, code: str = "intermediate", **kwargs):
    from certificates.services.issuance import certificate_issue

    return certificate_issue(broker_id=broker.pk, level_id=level(code).pk, **kwargs)
