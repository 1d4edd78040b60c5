"""GET /api/v1/me/: the caller, their roles and broker profile, for every role."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from tests.factories import BrokerFactory, UserFactory, totp_enrol

pytestmark = pytest.mark.django_db


def test_broker_sees_their_own_profile_unmasked(client):
    user = BrokerFactory()
    profile = user.broker_profile
    client.force_login(user)
    response = client.get(reverse("api-me"))
    assert response.status_code == 200
    data = response.json()
    assert data["email"] == user.email
    assert data["roles"] == ["broker"]
    assert data["broker_profile"]["national_id"] == profile.national_id
    assert data["broker_profile"]["phone"] == profile.phone
    assert data["broker_profile"]["level"] == profile.level.code
    assert data["broker_profile"]["region"] == profile.region.name


@pytest.mark.parametrize("role", ["trainer", "auditor", "admin"])
def test_staff_see_their_roles_and_no_broker_profile(client, role):
    user = UserFactory(roles=[role])
    totp_enrol(user)
    client.force_login(user)
    response = client.get(reverse("api-me"))
    assert response.status_code == 200
    data = response.json()
    assert data["roles"] == [role]
    assert data["broker_profile"] is None
    assert data["id"] == user.pk


def test_a_trainer_who_is_also_a_broker_gets_both_roles_and_their_own_data(client):
    user = BrokerFactory()
    from academy.people.services import user_set_roles

    user_set_roles(user=user, roles=["broker", "trainer"])
    totp_enrol(user)
    client.force_login(user)
    data = client.get(reverse("api-me")).json()
    assert data["roles"] == ["broker", "trainer"]
    assert data["broker_profile"]["national_id"] == user.broker_profile.national_id


def test_token_authentication_works(client):
    user = BrokerFactory()
    token = Token.objects.create(user=user)
    response = client.get(reverse("api-me"), HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    assert response.json()["email"] == user.email


def test_staff_token_works_once_enrolled(client):
    user = UserFactory(roles=["auditor"])
    totp_enrol(user)
    token = Token.objects.create(user=user)
    response = client.get(reverse("api-me"), HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    assert response.json()["roles"] == ["auditor"]


def test_a_wrong_token_is_refused(client):
    response = client.get(reverse("api-me"), HTTP_AUTHORIZATION="Token not-a-real-token")
    assert response.status_code in (401, 403)
    assert "detail" in response.json()


def test_anonymous_is_refused(client):
    response = client.get(reverse("api-me"))
    assert response.status_code in (401, 403)
    assert "detail" in response.json()


def test_me_is_read_only(client):
    user = BrokerFactory()
    client.force_login(user)
    response = client.post(reverse("api-me"), {"email": "other@example.test"})
    assert response.status_code == 405
