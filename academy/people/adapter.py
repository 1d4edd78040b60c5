"""django-allauth policy hooks for Broker Academy (account and MFA adapters)."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.urls import reverse

from .roles import user_is_staff_role


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        """Accounts come from roster import or the admin unless sign-up is opened."""
        return settings.ACADEMY_SIGNUP_OPEN

    def get_login_redirect_url(self, request) -> str:
        """Everybody lands on their role's home page (unless a ``next`` URL was given)."""
        return reverse("home")


class MFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        """Staff cannot switch off their authenticator app while the requirement is on.

        allauth then refuses the deactivation form with its own message; an administrator
        can still remove an authenticator in the Django admin (lost phone).
        """
        if (
            settings.ACADEMY_STAFF_MFA_REQUIRED
            and authenticator.type == Authenticator.Type.TOTP
            and user_is_staff_role(authenticator.user)
        ):
            return False
        return super().can_delete_authenticator(authenticator)
