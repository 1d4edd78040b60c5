"""Who the client is and how much it may do: one client address and one set of limits.

Behind a reverse proxy every request arrives from the proxy's address, so a limit keyed on
``REMOTE_ADDR`` becomes a limit for the whole site. ``client_ip`` returns the address
allauth's rate limits use (``ALLAUTH_TRUSTED_PROXY_COUNT`` or ``ALLAUTH_TRUSTED_CLIENT_IP_HEADER``,
set from ``TRUSTED_PROXY_COUNT`` / ``TRUSTED_CLIENT_IP_HEADER``), and the certificate
verification limit and the API throttles key on the same value.

An exam room puts dozens of brokers behind one address (a NAT) who all log in within minutes.
Limits keyed on an address are multiplied by ``ACADEMY_EXAM_ROOM_RATE_FACTOR`` for a client
inside a venue network that a sitting marks as its exam room, from
``ACADEMY_EXAM_ROOM_LEAD_MINUTES`` before it opens until it closes. ``people`` knows nothing of
sittings: ``exams`` registers the check with ``register_exam_room_check``. Limits keyed on an
account (failed logins per e-mail address) are never raised.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from .conf import app_settings

ExamRoomCheck = Callable[[ipaddress.IPv4Address | ipaddress.IPv6Address], bool]
_exam_room_checks: list[ExamRoomCheck] = []


def register_exam_room_check(check: ExamRoomCheck) -> ExamRoomCheck:
    """Register a function ``address -> bool``: is this address in an exam room right now?"""
    if check not in _exam_room_checks:
        _exam_room_checks.append(check)
    return check


def client_ip(request: HttpRequest) -> str:
    """The client's address as allauth sees it (trusted proxies honoured); "unknown" if none."""
    cached = getattr(request, "_academy_client_ip", None)
    if cached is not None:
        return cached
    from allauth.account.adapter import get_adapter

    try:
        ip = get_adapter().get_client_ip(request)
    except PermissionDenied:
        ip = "unknown"
    request._academy_client_ip = ip  # type: ignore[attr-defined]
    return ip


def client_in_exam_room(request: HttpRequest) -> bool:
    """Whether the client's address lies in the venue network of a sitting under way."""
    cached = getattr(request, "_academy_exam_room", None)
    if cached is not None:
        return cached
    try:
        address = ipaddress.ip_address(client_ip(request))
    except ValueError:
        found = False
    else:
        found = any(check(address) for check in _exam_room_checks)
    request._academy_exam_room = found  # type: ignore[attr-defined]
    return found


def client_rate_factor(request: HttpRequest) -> int:
    """How many times an address-keyed limit is multiplied for this client (1, or the exam
    room factor)."""
    if client_in_exam_room(request):
        return max(1, app_settings.EXAM_ROOM_RATE_FACTOR)
    return 1


def scaled_rate(rate: str, factor: int) -> str:
    """An allauth rate string (``"20/m/ip,5/5m/key"``) with its per-address amounts times
    ``factor``; per-account and per-user parts are kept as they are."""
    if factor == 1 or not rate:
        return rate
    parts = []
    for part in rate.split(","):
        fields = part.strip().split("/")
        per = fields[2] if len(fields) == 3 else "ip"
        if per == "ip":
            fields[0] = str(int(fields[0]) * factor)
        parts.append("/".join(fields))
    return ",".join(parts)


def window_count(key: str, window: int) -> int:
    """Count one hit on ``key`` in the current fixed window of ``window`` seconds and return
    the window's count so far. Two cache round trips at most (``add``, then ``incr``), shared
    by every web process through the cache."""
    slot = int(time.time() // window)
    full_key = f"rl:{key}:{window}:{slot}"
    if cache.add(full_key, 1, timeout=window + 30):
        return 1
    try:
        return cache.incr(full_key)
    except ValueError:  # expired between add and incr
        cache.set(full_key, 1, timeout=window + 30)
        return 1


def address_limit_allows(request: HttpRequest, key: str, limit: int, window: int) -> bool:
    """Count a hit of this client on ``key`` against ``limit`` per ``window`` seconds, raised
    by the exam-room factor for a client in an exam room. Whether the client is in one is only
    asked once the ordinary limit is passed, so ordinary requests never pay for it."""
    count = window_count(key, window)
    return count <= limit or count <= limit * client_rate_factor(request)
