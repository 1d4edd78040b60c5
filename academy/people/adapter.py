"""django-allauth policy hooks for Broker Academy."""

from django.conf import settings
from django.urls import reverse

from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        """Accounts come from roster import or the admin unless sign-up is opened."""
        return settings.ACADEMY_SIGNUP_OPEN

    def get_login_redirect_url(self, request) -> str:
        return reverse("home")
