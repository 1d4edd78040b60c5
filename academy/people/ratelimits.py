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

import hashlib
import ipaddress
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from academy.cache import counters_update

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


def window_count(key: str, window: int) -> int:
    """Count one hit on ``key`` in the current fixed window of ``window`` seconds and return
    the window's count so far: one cache round trip on Redis, shared by every web process."""
    slot = int(time.time() // window)
    full_key = f"rl:{key}:{window}:{slot}"
    counts, _read = counters_update({full_key: 1}, timeout=window + 30)
    return counts[full_key]


def address_limit_allows(request: HttpRequest, key: str, limit: int, window: int) -> bool:
    """Count a hit of this client on ``key`` against ``limit`` per ``window`` seconds, raised
    by the exam-room factor for a client in an exam room. Whether the client is in one is only
    asked once the ordinary limit is passed, so ordinary requests never pay for it."""
    count = window_count(key, window)
    return count <= limit or count <= limit * client_rate_factor(request)


# --- Failed logins -----------------------------------------------------------------------------
#
# allauth counts failed logins with ``ACCOUNT_RATE_LIMITS["login_failed"]`` in its internal
# rate limiter, which takes no per-request limits. The account adapter's ``pre_authenticate``
# counts them here instead, on the same rates (read through allauth's public app settings), so
# that the per-address part can be raised for an exam room. As in allauth, an attempt is
# counted before the password is checked (so that parallel guesses are counted too) and given
# back after a successful login, so that only failures count.
#
# Each rate is a sliding window, estimated from two fixed windows: the current window's count
# plus the previous window's, weighted by the part of it still inside the sliding window. The
# counters are plain cache counters, so that counting every rate of an attempt, or giving it
# back, is one round trip to Redis and needs no lock.


@dataclass(frozen=True)
class Rate:
    """One part of an allauth rate string: ``amount`` per ``seconds`` per ``ip`` or ``key``."""

    amount: int
    seconds: float
    per: str

    def __str__(self) -> str:
        return f"{self.amount}/{self.seconds:g}s/{self.per}"


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rates(text: str | None) -> list[Rate]:
    """``"20/m/ip,5/5m/key"`` as rates (the syntax of ``ACCOUNT_RATE_LIMITS``)."""
    rates = []
    for part in (text or "").split(","):
        fields = part.strip().split("/")
        if fields == [""]:
            continue
        amount, duration = fields[0], fields[1]
        per = fields[2] if len(fields) == 3 else "ip"
        unit, count = duration[-1], duration[:-1]
        rates.append(Rate(int(amount), float(count or 1) * _UNITS[unit], per))
    return list(dict.fromkeys(rates))


@dataclass
class RateUsage:
    """The counters one attempt was counted on: ``rollback`` gives it back."""

    keys: list[str] = field(default_factory=list)
    timeout: int = 0

    def rollback(self) -> None:
        if self.keys:
            counters_update(dict.fromkeys(self.keys, -1), timeout=self.timeout)


def _login_counter_key(rate: Rate, slot: int, *, address: str, login: str) -> str:
    source = address if rate.per == "ip" else hashlib.sha256(login.encode()).hexdigest()
    return f"academy:rl:login_failed:{rate.per}:{rate.seconds:g}:{source}:{slot}"


def _login_rates() -> list[Rate]:
    from allauth.account import app_settings as account_settings

    return parse_rates(account_settings.RATE_LIMITS.get("login_failed"))


def failed_login_consume(request: HttpRequest, *, login: str) -> RateUsage | None:
    """Count a login attempt on ``login`` from this client; None if a limit is reached (the
    attempt is then not counted).

    The per-address amounts are multiplied for a client in an exam room (asked only once the
    ordinary amount is passed); the per-account ones never are. Like allauth, a GET is not
    counted.
    """
    rates = _login_rates()
    if request.method == "GET" or not rates:
        return RateUsage()
    now = time.time()
    address, login = client_ip(request), login.lower()
    current, previous, weights = [], [], []
    for rate in rates:
        slot = int(now // rate.seconds)
        current.append(_login_counter_key(rate, slot, address=address, login=login))
        previous.append(_login_counter_key(rate, slot - 1, address=address, login=login))
        weights.append(1 - (now - slot * rate.seconds) / rate.seconds)
    timeout = int(2 * max(rate.seconds for rate in rates)) + 30
    counts, before = counters_update(dict.fromkeys(current, 1), timeout=timeout, read=previous)
    for rate, key, earlier, weight in zip(rates, current, previous, weights, strict=True):
        estimate = counts[key] + before[earlier] * weight
        if estimate <= rate.amount:
            continue
        if rate.per == "ip" and estimate <= rate.amount * client_rate_factor(request):
            continue
        RateUsage(current, timeout).rollback()
        return None
    return RateUsage(current, timeout)


def failed_logins_clear(*, login: str) -> None:
    """Forget the failed logins counted on account ``login`` (after a password reset)."""
    now = time.time()
    login = login.lower()
    cache.delete_many([
        _login_counter_key(rate, int(now // rate.seconds) - back, address="", login=login)
        for rate in _login_rates() if rate.per == "key" for back in (0, 1)])
