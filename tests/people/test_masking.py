"""Personal data (phone, national ID) is masked for everyone but the person and admins."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.urls import reverse

from academy.people.api.serializers import BrokerProfileSerializer
from academy.people.validators import mask_national_id, mask_phone
from tests.factories import BrokerFactory, UserFactory, totp_enrol

pytestmark = pytest.mark.django_db


def _serialize(profile, viewer):
    request = RequestFactory().get("/")
    request.user = viewer
    return BrokerProfileSerializer(profile, context={"request": request}).data


def test_masks_keep_only_the_ends():
    assert mask_phone("13812345678") != "13812345678"
    assert mask_phone("13812345678").startswith("138")
    assert mask_phone("13812345678").endswith("5678")
    masked = mask_national_id("41120219800101001X")
    assert masked != "41120219800101001X"
    assert "19800101" not in masked


@pytest.mark.parametrize("role", ["auditor", "admin"])
def test_broker_list_masks_phone_numbers(client, role):
    broker = BrokerFactory()
    phone = broker.broker_profile.phone
    viewer = UserFactory(roles=[role])
    totp_enrol(viewer)
    client.force_login(viewer)
    html = client.get(reverse("people:broker_list"), follow=True).content.decode()
    assert broker.get_full_name() in html
    assert phone not in html
    assert mask_phone(phone) in html
    assert broker.broker_profile.national_id not in html


def test_broker_list_masks_phone_numbers_for_a_trainer(client):
    from academy.people import scoping

    broker = BrokerFactory()
    trainer = UserFactory(roles=["trainer"])
    totp_enrol(trainer)

    def sees_everyone(viewer):
        from django.db.models import Q

        return Q(broker_profile__isnull=False)

    scoping._trainer_scopes.append(sees_everyone)
    try:
        client.force_login(trainer)
        html = client.get(reverse("people:broker_list")).content.decode()
    finally:
        scoping._trainer_scopes.remove(sees_everyone)
    assert broker.get_full_name() in html
    assert broker.broker_profile.phone not in html
    assert mask_phone(broker.broker_profile.phone) in html


@pytest.mark.parametrize("role", ["trainer", "auditor"])
def test_serializer_masks_for_staff_who_are_not_admins(role):
    profile = BrokerFactory().broker_profile
    data = _serialize(profile, UserFactory(roles=[role]))
    assert data["phone"] == profile.phone_masked != profile.phone
    assert data["national_id"] == profile.national_id_masked != profile.national_id


def test_serializer_masks_for_another_broker():
    profile = BrokerFactory().broker_profile
    data = _serialize(profile, BrokerFactory())
    assert data["phone"] == profile.phone_masked
    assert data["national_id"] == profile.national_id_masked


def test_serializer_masks_for_anonymous():
    from django.contrib.auth.models import AnonymousUser

    profile = BrokerFactory().broker_profile
    data = _serialize(profile, AnonymousUser())
    assert data["national_id"] == profile.national_id_masked


def test_serializer_unmasks_for_an_admin():
    profile = BrokerFactory().broker_profile
    data = _serialize(profile, UserFactory(roles=["admin"]))
    assert data["phone"] == profile.phone
    assert data["national_id"] == profile.national_id


def test_serializer_unmasks_for_the_broker_themself():
    user = BrokerFactory()
    profile = user.broker_profile
    data = _serialize(profile, user)
    assert data["phone"] == profile.phone
    assert data["national_id"] == profile.national_id
