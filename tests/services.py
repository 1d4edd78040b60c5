"""Which outside services the suite can reach, and what to do when one is missing.

Without a service the tests that need it skip with a clear reason; with REQUIRE_SERVICES=1
(set by .ci/run) a missing service fails them instead, so CI can never pass by skipping.
"""

from __future__ import annotations

import functools
import os
import shutil
import socket
from urllib.parse import urlparse

import pytest

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES", "") in {"1", "true", "yes"}
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def missing(reason: str) -> None:
    """Skip, or fail under REQUIRE_SERVICES=1."""
    if REQUIRE_SERVICES:
        pytest.fail(f"required service missing: {reason}", pytrace=False)
    pytest.skip(reason)


@functools.cache
def redis_url() -> str | None:
    url = os.environ.get("REDIS_URL", "")
    if not url:
        return None
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), 1):
            return url
    except OSError:
        return None


#: ``CHROMIUM_PATH=none`` turns the browser tests off, as on a machine without Chromium.
BROWSER_OFF = CHROMIUM == "none"


def chromium_path() -> str | None:
    if BROWSER_OFF:
        return None
    return CHROMIUM if shutil.which(CHROMIUM) or os.path.exists(CHROMIUM) else None
