"""The demo: an example requirement set for intermediate, practice records in every status,
everyone's readiness evaluated; running it twice changes nothing."""

from io import StringIO

import pytest
from django.core.management import call_command

from academy.people.models import PracticeRecord
from certificates.models import BrokerReadiness, RequirementSet
from certificates.selectors.readiness import broker_readiness

pytestmark = pytest.mark.django_db


def _counts():
    return {
        "sets": RequirementSet.objects.count(),
        "records": PracticeRecord.objects.count(),
        "readiness": BrokerReadiness.objects.count(),
        "ready": BrokerReadiness.objects.filter(ready=True).count(),
    }


def test_demo_seeds_example_requirements_and_practice_records_idempotently():
    out = StringIO()
    call_command("seed_demo", "--force", stdout=out)
    assert "certificates:" in out.getvalue()
    rs = RequirementSet.objects.get(level__code="intermediate")
    assert rs.example_values and "示例值" in rs.notes and rs.is_current
    assert rs.total_hours == 40 and rs.area_hours.count() == 4
    assert rs.practice_records == 2 and rs.months_at_previous_level == 24
    statuses = set(PracticeRecord.objects.values_list("status", flat=True))
    assert statuses == {"approved", "submitted", "rejected", "draft"}
    assert all(r.evidence.count() == 1 for r in PracticeRecord.objects.all())
    assert BrokerReadiness.objects.count() == 56  # every demo broker has a next level
    before = _counts()
    call_command("seed_demo", "--force", stdout=StringIO())
    assert _counts() == before

    from academy.people.models import User

    first_junior = (User.objects.filter(broker_profile__level__code="junior",
                                        email__endswith="@demo.local").order_by("email").first())
    assert first_junior.email == "broker14@demo.local"  # broker01–13 are intermediate
    answer = broker_readiness(first_junior)
    practice = next(r for r in answer.requirements if r.kind == "practice_records")
    assert practice.current == 1 and "1 awaiting review" in practice.detail
