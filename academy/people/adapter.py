"""django-allauth policy hooks for Broker Academy (account and MFA adapters).

Only allauth's public modules and the adapters' documented methods are used here: the
failed-login limits are counted by ``academy.people.ratelimits`` (allauth's internal limiter
takes no per-request limits, and the exam-room factor needs one).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.authentication import get_authentication_records
from allauth.core import context
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.http import HttpRequest
from django.urls import reverse

from academy.links import on_site, site_url

from .conf import app_settings
from .ratelimits import RateUsage, failed_login_consume
from .roles import user_is_staff_role


@dataclass(frozen=True)
class EmailSite:
    """What allauth's e-mail templates read of ``current_site``, taken from the site's
    address rather than from the request (whose host is the site's ``RequestSite``)."""

    domain: str
    name: str


class AccountAdapter(DefaultAccountAdapter):
    # The links allauth puts in its e-mails (confirm the address, reset the password, sign
    # up), which it builds from the host name of the request that sends them.
    EMAIL_LINKS = ("activate_url", "password_reset_url", "signup_url")

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """allauth's e-mails with their links on the site's address (``academy.links``), as
        every other e-mail of the site: opened later, elsewhere, they must lead to the site
        and not to whatever host name the request used."""
        host = urlsplit(site_url()).netloc
        context = {**context, "site_url": site_url(),
                   "current_site": EmailSite(domain=host, name=host)}
        for key in self.EMAIL_LINKS:
            if context.get(key):
                context[key] = on_site(context[key])
        super().send_mail(template_prefix, email, context)

    def is_open_for_signup(self, request) -> bool:
        """Accounts come from roster import or the admin unless sign-up is opened."""
        return app_settings.SIGNUP_OPEN

    def get_login_redirect_url(self, request) -> str:
        """Everybody lands on their role's home page (unless a ``next`` URL was given)."""
        return reverse("home")

    def pre_authenticate(self, request, **credentials) -> None:
        """Count a password attempt against the failed-login limits before checking it.

        The limits are ``ACCOUNT_RATE_LIMITS["login_failed"]``, with the per-address part
        multiplied for a client in an exam room (``academy.people.ratelimits``); the
        per-account part stays. A successful login gives its count back (``authenticate``),
        so only failures count: a room of brokers signing in is never refused, a password
        guesser is.
        """
        login = credentials.get("email", credentials.get("username", "")) or ""
        self._academy_login_usage: RateUsage | None = failed_login_consume(request,
                                                                            login=login)
        if self._academy_login_usage is None:
            raise self.validation_error("too_many_login_attempts")

    def authenticate(self, request, **credentials) -> Any:
        """allauth's check of the credentials; a success gives back the attempt counted."""
        user = super().authenticate(request, **credentials)
        usage = getattr(self, "_academy_login_usage", None)
        if user is not None and usage is not None:
            usage.rollback()
        return user

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
