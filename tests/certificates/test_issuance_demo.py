"""The demo: the 13 intermediate brokers hold intermediate certificates (with PDF and
credential), issued through the issuance service; seeding twice issues nothing more."""

from io import StringIO

import pytest
from django.core.management import call_command

from academy.people.models import BrokerProfile
from certificates.models.issued import Certificate
from tests.certificates.issued_fixtures import signing_key_tmp  # noqa: F401

pytestmark = pytest.mark.django_db


def test_demo_intermediate_brokers_hold_their_certificates(django_capture_on_commit_callbacks):
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", "--force", stdout=out)
    assert "intermediate certificates issued" in out.getvalue()
    intermediate = set(BrokerProfile.objects.filter(level__code="intermediate")
                       .values_list("user_id", flat=True))
    holders = set(Certificate.objects.filter(level__code="intermediate", status="valid")
                  .values_list("broker_id", flat=True))
    assert holders == intermediate and len(holders) >= 13
    assert Certificate.objects.filter(source="demo").count() == 13
    assert not Certificate.objects.filter(pdf="").exists()
    assert not Certificate.objects.filter(credential="").exists()
    before = Certificate.objects.count()
    call_command("seed_demo", "--force", stdout=StringIO())
    assert Certificate.objects.count() == before
