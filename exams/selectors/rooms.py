"""Exam rooms: the venue networks of sittings under way, for the limits per client address.

``academy.people.ratelimits`` asks, for a client address, whether it is in an exam room; this
module answers from the cache (one query a minute at most per web process pool, whatever the
number of logins), since every login of the morning asks.
"""

from __future__ import annotations

import datetime
import ipaddress

from django.core.cache import cache
from django.utils import timezone

from exams.conf import app_settings
from exams.models import Sitting

_CACHE_KEY = "exams:exam-rooms:v1"
_CACHE_SECONDS = 60

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def exam_room_windows() -> list[tuple[str, float, float]]:
    """``(network, from, until)`` (POSIX times) of every sitting with a venue network that has
    not closed yet; the window starts ``ACADEMY_EXAM_ROOM_LEAD_MINUTES`` before it opens."""
    rooms = cache.get(_CACHE_KEY)
    if rooms is None:
        lead = datetime.timedelta(minutes=app_settings.EXAM_ROOM_LEAD_MINUTES)
        rooms = [
            (network, (opens_at - lead).timestamp(), closes_at.timestamp())
            for network, opens_at, closes_at in Sitting.objects.exclude(venue_network="")
            .filter(closes_at__gt=timezone.now())
            .values_list("venue_network", "opens_at", "closes_at")
        ]
        cache.set(_CACHE_KEY, rooms, _CACHE_SECONDS)
    return rooms


def exam_room_forget() -> None:
    """Drop the cached rooms (a sitting's venue or window changed)."""
    cache.delete(_CACHE_KEY)


def address_in_exam_room(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether ``address`` is inside the venue network of a sitting under way now."""
    now = timezone.now().timestamp()
    for network, start, until in exam_room_windows():
        if not start <= now < until:
            continue
        try:
            if address in ipaddress.ip_network(network.strip(), strict=False):
                return True
        except ValueError:  # saved before validation existed, or by raw SQL
            continue
    return False
