"""The morning of an exam: a room of brokers behind one address signs in; an attacker does not.

A sitting can name its venue's network as an exam room; during the sitting (and shortly
before) the limits per client address are raised for that network, never those per account.
"""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from exams.models import Sitting
from exams.selectors.rooms import exam_room_forget
from tests.exams.factories import SittingFactory
from tests.factories import PASSWORD, BrokerFactory

ROOM = "203.0.113.0/28"
ROOM_ADDRESS = "203.0.113.5"  # the room's NAT


def log_in(client: Client, email: str, password: str = PASSWORD) -> bool:
    client.post(reverse("account_login"), {"login": email, "password": password})
    return "_auth_user_id" in client.session



@pytest.fixture(autouse=True)
def fresh_limits():
    """Every test starts with no counted attempts (the test cache lives as long as pytest)."""
    cache.clear()
    yield
    cache.clear()


@pytest.mark.django_db
def test_room_of_60_behind_one_address_gets_in_and_an_attacker_is_stopped():
    brokers = [BrokerFactory() for _ in range(60)]
    sitting = SittingFactory(venue_network=ROOM, brokers=brokers)
    # Some brokers mistype their password first, as in any room: more failures than one
    # address may make outside an exam room (20 a minute).
    for broker in brokers[:25]:
        assert not log_in(Client(REMOTE_ADDR=ROOM_ADDRESS), broker.email, "typo-typo-1")
    signed_in = []
    for broker in brokers:
        client = Client(REMOTE_ADDR=ROOM_ADDRESS)
        if log_in(client, broker.email):
            signed_in.append(client)
    assert len(signed_in) == 60
    # Each of them reaches the exam's start page.
    page = signed_in[0].get(reverse("exams:take_start", args=[sitting.pk]))
    assert page.status_code == 200

    # An attacker elsewhere is stopped after 20 failures a minute, and an attacker guessing one
    # account's password is stopped after 5 even from inside the room.
    attacker = Client(REMOTE_ADDR="198.51.100.66")
    for n in range(20):
        log_in(attacker, f"nobody{n}@example.test", "Spray-2026!")
    assert not log_in(attacker, brokers[0].email)
    victim = brokers[1]
    for n in range(5):
        log_in(Client(REMOTE_ADDR=ROOM_ADDRESS), victim.email, f"guess-{n}-guess")
    assert not log_in(Client(REMOTE_ADDR=ROOM_ADDRESS), victim.email)


@pytest.mark.django_db
def test_room_limits_are_raised_only_during_the_sitting_and_inside_the_network():
    brokers = [BrokerFactory() for _ in range(2)]
    now = timezone.now()
    sitting = SittingFactory(venue_network=ROOM, opens_at=now + datetime.timedelta(days=2),
                             closes_at=now + datetime.timedelta(days=3))
    # Before the sitting's window, the room is an address like any other.
    for n in range(20):
        log_in(Client(REMOTE_ADDR=ROOM_ADDRESS), f"nobody{n}@example.test", "typo-typo-1")
    assert not log_in(Client(REMOTE_ADDR=ROOM_ADDRESS), brokers[0].email)
    # The sitting moves to now: the room's failures are counted against a raised limit.
    Sitting.objects.filter(pk=sitting.pk).update(opens_at=now - datetime.timedelta(minutes=5))
    exam_room_forget()  # update() sends no signal
    assert log_in(Client(REMOTE_ADDR=ROOM_ADDRESS), brokers[0].email)
    # An address outside the network keeps the ordinary limit.
    outside = "203.0.113.77"
    for n in range(20):
        log_in(Client(REMOTE_ADDR=outside), f"nobody{n}@example.test", "typo-typo-1")
    assert not log_in(Client(REMOTE_ADDR=outside), brokers[1].email)


@pytest.mark.django_db
def test_saving_a_sitting_takes_its_room_into_account_at_once():
    broker = BrokerFactory()
    sitting = SittingFactory()
    for n in range(20):
        log_in(Client(REMOTE_ADDR=ROOM_ADDRESS), f"nobody{n}@example.test", "typo-typo-1")
    assert not log_in(Client(REMOTE_ADDR=ROOM_ADDRESS), broker.email)
    sitting.venue_network = ROOM
    sitting.save(update_fields=["venue_network"])
    assert log_in(Client(REMOTE_ADDR=ROOM_ADDRESS), broker.email)


def test_venue_network_must_be_a_network():
    from django.core.exceptions import ValidationError

    from exams.models.papers import validate_network

    validate_network("203.0.113.0/28")
    validate_network("203.0.113.5")
    validate_network("2001:db8::/64")
    with pytest.raises(ValidationError):
        validate_network("room 101")


@pytest.mark.django_db
def test_exam_room_raises_the_lookup_and_anonymous_api_limits_of_its_network(settings):
    settings.ACADEMY_CERT_VERIFY_RATE = 2
    settings.ACADEMY_EXAM_ROOM_RATE_FACTOR = 3
    SittingFactory(venue_network=ROOM)
    url = reverse("api-verify", args=["NOPE"])
    room = [Client(REMOTE_ADDR=ROOM_ADDRESS).get(url).status_code for _ in range(7)]
    assert 429 not in room[:6] and room[6] == 429, room
    outside = [Client(REMOTE_ADDR="198.51.100.9").get(url).status_code for _ in range(3)]
    assert outside[2] == 429 and 429 not in outside[:2], outside
