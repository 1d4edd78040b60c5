"""The serializers of the talent pool's API: brokers (personal data masked), released
results, certificates with the dashboard's state."""

from __future__ import annotations

from rest_framework import serializers

from academy.people.models import BrokerProfile
from certificates.models import Certificate
from exams.models import Attempt

from .. import selectors


class TalentBrokerSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(source="user_id")
    full_name = serializers.CharField(source="user.full_name")
    level = serializers.CharField(source="level.code")
    region = serializers.CharField(source="region.code")
    organisation = serializers.CharField(source="organisation.name", allow_null=True,
                                         default=None)
    phone = serializers.CharField(source="phone_masked")
    national_id = serializers.CharField(source="national_id_masked")

    class Meta:
        model = BrokerProfile
        fields = ["id", "full_name", "level", "level_since", "region", "organisation", "phone",
                  "national_id"]



class TalentResultSerializer(serializers.ModelSerializer):
    broker = serializers.IntegerField(source="user_id")
    sitting = serializers.IntegerField(source="sitting_id")
    sitting_title = serializers.CharField(source="sitting.title")
    paper = serializers.CharField(source="sitting.paper.title")
    percent = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)

    class Meta:
        model = Attempt
        fields = ["id", "broker", "sitting", "sitting_title", "paper", "number",
                  "submitted_at", "released_at", "score", "max_score", "percent", "passed"]



class TalentCertificateSerializer(serializers.ModelSerializer):
    broker = serializers.IntegerField(source="broker_id")
    level = serializers.CharField(source="level.code")
    level_name = serializers.CharField(source="level.display_name")
    region = serializers.SerializerMethodField()
    state = serializers.SerializerMethodField()

    class Meta:
        model = Certificate
        fields = ["id", "serial", "torch_number", "broker", "holder_name", "level",
                  "level_name", "region", "status", "state", "issued_at", "valid_from",
                  "valid_until", "revoked_at", "revoked_reason"]

    def get_region(self, obj: Certificate) -> str | None:
        profile = getattr(obj.broker, "broker_profile", None)
        return profile.region.code if profile is not None else None

    def get_state(self, obj: Certificate) -> str:
        """The dashboard's state: valid, expiring (within 90 days), expired or revoked (a
        certificate renewed since is "superseded")."""
        return selectors.certificate_state(obj)

