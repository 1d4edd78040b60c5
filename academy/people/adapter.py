"""django-allauth policy hooks for Broker Academy (account and MFA adapters)."""

from __future__ import annotations

import time

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.core import context
from allauth.core.internal import ratelimit
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.http import HttpRequest
from django.urls import reverse

from .conf import app_settings
from .ratelimits import client_rate_factor, scaled_rate
from .roles import user_is_staff_role


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        """Accounts come from roster import or the admin unless sign-up is opened."""
        return app_settings.SIGNUP_OPEN

    def get_login_redirect_url(self, request) -> str:
        """Everybody lands on their role's home page (unless a ``next`` URL was given)."""
        return reverse("home")

    def pre_authenticate(self, request, **credentials) -> None:
        """Count a password attempt against the failed-login limits before checking it.

        allauth's own check, with the per-address part of ``ACCOUNT_RATE_LIMITS["login_failed"]``
        multiplied for a client in an exam room (``academy.people.ratelimits``); the
        per-account part stays. A successful login gives its count back (allauth rolls the
        usage back), so only failures count: a room of brokers signing in is never refused,
        a password guesser is.
        """
        rates = dict(account_settings.RATE_LIMITS)
        factor = client_rate_factor(request)
        if factor != 1 and rates.get("login_failed"):
            rates["login_failed"] = scaled_rate(rates["login_failed"], factor)
        self._login_failed_rl_usage = ratelimit.consume(
            request, app="allauth.account", action="login_failed", config=rates,
            key=self._get_login_attempts_cache_key(request, **credentials),
        )
        if not self._login_failed_rl_usage:
            raise self.validation_error("too_many_login_attempts")

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        """A password typed in the last few minutes at sign-in counts as re-authentication.

        allauth (65.x) only counts its own "confirm access" step, so a staff member sent to
        "activate authenticator app" straight from the login form would be asked for the
        password typed seconds before, and again to see the recovery codes just made. The
        window is allauth's own ``ACCOUNT_REAUTHENTICATION_TIMEOUT``; older sessions are
        still asked.
        """
        required = super().is_reauthentication_required(app=app, **kwargs)
        if required and app == "allauth.mfa":
            request = self.request or context.request
            if request is not None and _signed_in_recently(request):
                return False
        return required


def _signed_in_recently(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    window = account_settings.REAUTHENTICATION_TIMEOUT
    now = time.time()
    return any(
        record.get("method") in ("password", "mfa") and now - record.get("at", 0) < window
        for record in get_authentication_records(request, user)
    )


class MFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        """Staff cannot switch off their authenticator app while the requirement is on.

        allauth then refuses the deactivation form with its own message; an administrator
        can still remove an authenticator in the Django admin (lost phone).
        """
        if (
            app_settings.STAFF_MFA_REQUIRED
            and authenticator.type == Authenticator.Type.TOTP
            and user_is_staff_role(authenticator.user)
        ):
            return False
        return super().can_delete_authenticator(authenticator)
