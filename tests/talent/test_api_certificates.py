"""GET /api/v1/talent-pool/certificates/: auditors and admins, the lists' filters, the
dashboard's states (each list as long as its dashboard number), paginated, in the schema.

Certificates added to the population (conftest.py): b4 intermediate valid without end date;
b5 intermediate valid until in 30 days (expiring); b6 senior valid but past its end date
(expired, not yet marked); b1 revoked. By hand: valid 2, expiring 1, expired 1, revoked 1.
"""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from talent import selectors
from talent.selectors import TalentFilters
from tests.talent.conftest import certificate_for

pytestmark = pytest.mark.django_db
URL = "/api/v1/talent-pool/certificates/"


@pytest.fixture
def certified(population):
    b, today = population.brokers, timezone.localdate()
    certificate_for(b["b4"])
    certificate_for(b["b5"], valid_until=today + datetime.timedelta(days=30))
    certificate_for(b["b6"], level_code="senior", valid_until=today - datetime.timedelta(days=1))
    certificate_for(b["b1"], status="revoked")
    return population


def _count(client, **params) -> int:
    response = client.get(URL, params)
    assert response.status_code == 200, response.content
    return response.json()["count"]


def test_states_match_the_dashboard_figures(bureau_client, certified):
    counts = selectors.certificate_counts(TalentFilters())
    assert counts == {"valid": 2, "expiring": 1, "expired": 1, "revoked": 1}
    for state, n in counts.items():
        assert _count(bureau_client, state=state) == n, state
    assert _count(bureau_client) == 4
    [row] = bureau_client.get(URL, {"state": "expiring"}).json()["results"]
    assert row["state"] == "expiring" and row["level"] == "intermediate"
    assert row["region"] == certified.region_a.code and row["serial"].startswith("TEST-")


def test_filters_as_the_other_lists(bureau_client, certified):
    p = certified
    assert _count(bureau_client, region=p.region_b.code) == 2
    assert _count(bureau_client, level="senior") == 1
    assert _count(bureau_client, organisation=p.o1.pk) == 2
    assert _count(bureau_client, cohort=p.cohort.code) == 2
    today = timezone.localdate()
    assert _count(bureau_client, date_from=today.isoformat()) == 0  # issued 30 days ago
    assert bureau_client.get(URL, {"state": "lost"}).status_code == 400
    assert bureau_client.get(URL, {"region": "nowhere"}).status_code == 400


def test_paginated(bureau_client, certified, settings):
    data = bureau_client.get(URL, {"page_size": 1}).json()
    assert set(data) >= {"count", "results"}
    assert data["count"] == 4


def test_in_the_openapi_schema(bureau_client):
    response = bureau_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    text = response.content.decode()
    assert "/api/v1/talent-pool/certificates/" in text
    assert "state" in text


def test_brokers_and_trainers_are_refused(client, broker, trainer, mfa_enrolled):
    mfa_enrolled(trainer)
    for user in (broker, trainer):
        client.force_login(user)
        assert client.get(URL).status_code == 403
