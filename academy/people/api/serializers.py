from rest_framework import serializers

from ..models import BrokerProfile, User
from ..roles import user_roles
from ..scoping import can_see_personal_data


class BrokerProfileSerializer(serializers.ModelSerializer):
    """A broker profile; national ID and phone masked unless the viewer may see them."""

    level = serializers.CharField(source="level.code")
    level_name = serializers.CharField(source="level.name")
    region = serializers.CharField(source="region.name")
    organisation = serializers.CharField(source="organisation.name", allow_null=True,
                                         default=None)
    national_id = serializers.SerializerMethodField()
    phone = serializers.SerializerMethodField()

    class Meta:
        model = BrokerProfile
        fields = ["level", "level_name", "level_since", "region", "organisation",
                  "phone", "national_id", "title_series", "title_level"]

    def _unmasked(self, profile: BrokerProfile) -> bool:
        request = self.context.get("request")
        return can_see_personal_data(getattr(request, "user", None), profile.user)

    def get_national_id(self, profile: BrokerProfile) -> str:
        return profile.national_id if self._unmasked(profile) else profile.national_id_masked

    def get_phone(self, profile: BrokerProfile) -> str:
        return profile.phone if self._unmasked(profile) else profile.phone_masked


class MeSerializer(serializers.ModelSerializer):
    roles = serializers.SerializerMethodField()
    broker_profile = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "email", "full_name", "roles", "broker_profile"]

    def get_roles(self, user: User) -> list[str]:
        return sorted(user_roles(user))

    def get_broker_profile(self, user: User) -> dict | None:
        profile = getattr(user, "broker_profile", None)
        if profile is None:
            return None
        return BrokerProfileSerializer(profile, context=self.context).data
