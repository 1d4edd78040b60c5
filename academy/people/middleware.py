"""Staff must enrol a second factor before they can use any staff page.

Trainers, auditors and administrators (``roles.STAFF_ROLES``) who have no TOTP authenticator
are sent to allauth's "activate authenticator app" page (``mfa_activate_totp``) from every page
but the few they need to get there: allauth's own account and MFA pages (sign-in, sign-out,
re-authentication, TOTP activation, recovery codes, password and e-mail), the language switch,
the health check and views marked with ``mfa_exempt``. The REST API answers 403 with
``{"code": "mfa_required"}`` instead of redirecting, also for token-authenticated calls, which
Django's authentication middleware does not see. ``ACADEMY_STAFF_MFA_REQUIRED = False``
(only the `make run` demo) lifts the requirement.

The Django admin is gated like every other page, and more: its own login form would let an
administrator in with the password alone, skipping allauth's second-factor step and rate
limits, so it always hands over to allauth's login; and people without admin-site access get a
plain 403 rather than the admin's "log in as someone else" page.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from .access import request_access, user_access_for
from .conf import app_settings
from .roles import user_is_staff_role

# View modules a staff member without a second factor may still use.
_EXEMPT_MODULE_PREFIXES = ("allauth.", "django.views.i18n", "django.views.static")
# Named routes likewise (view_name, i.e. with the namespace).
_EXEMPT_VIEW_NAMES = frozenset({
    "healthz", "set_language", "javascript-catalog", "admin:logout",
})
# Pages under /api/ that are HTML for people rather than JSON for programs.
_HTML_API_VIEW_NAMES = frozenset({"api-docs"})


_CACHE_ATTR = "_academy_needs_mfa_setup"


def user_needs_mfa_setup(user: Any) -> bool:
    """Whether ``user`` is staff, the requirement is on, and no TOTP authenticator exists.

    Read from the user's cached access facts (``academy.people.access``, dropped when an
    authenticator is added or removed) and kept on the user object, so the gate and the
    page's layout share one look-up.
    """
    if not app_settings.STAFF_MFA_REQUIRED:
        return False
    if not getattr(user, "is_authenticated", False) or not user_is_staff_role(user):
        return False
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        access = user_access_for(user)
        cached = access is None or not access.mfa_enrolled
        setattr(user, _CACHE_ATTR, cached)
    return cached


def _api_user(request: HttpRequest) -> Any:
    """The caller of an API request: the session user, or the owner of a valid token."""
    if request.user.is_authenticated:
        return request.user
    from rest_framework.authentication import TokenAuthentication
    from rest_framework.exceptions import AuthenticationFailed

    try:
        result = TokenAuthentication().authenticate(request)
    except AuthenticationFailed:
        return None  # the view answers 401 itself
    return result[0] if result else None


def _admin_gate(request: HttpRequest, view_name: str) -> HttpResponseRedirect | None:
    """Send the admin's login to allauth's; refuse the admin to people without access."""
    user = request.user
    if view_name == "admin:logout":
        return None
    if user.is_authenticated and not (user.is_active and user.is_staff):
        raise PermissionDenied
    if view_name == "admin:login":
        target = request.GET.get("next") or reverse("admin:index")
        return HttpResponseRedirect(f"{reverse('account_login')}?{urlencode({'next': target})}")
    return None


def _is_exempt(request: HttpRequest, view_func: Any) -> bool:
    if getattr(view_func, "mfa_exempt", False):
        return True
    module = getattr(view_func, "__module__", "") or ""
    if module.startswith(_EXEMPT_MODULE_PREFIXES):
        return True
    match = request.resolver_match
    return bool(match and match.view_name in _EXEMPT_VIEW_NAMES)


class StaffMfaRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match and match.namespace == "admin":
            gate = _admin_gate(request, match.view_name)
            if gate is not None:
                return gate
        if not app_settings.STAFF_MFA_REQUIRED or _is_exempt(request, view_func):
            return None
        is_api = request.path.startswith("/api/") and not (
            match and match.view_name in _HTML_API_VIEW_NAMES
        )
        # A session the cached access facts vouch for is decided without loading the user
        # row (the answer-save endpoint of an exam relies on it); anything else, including
        # token-authenticated API calls, goes through Django's and DRF's own checks.
        access = request_access(request)
        if access is not None:
            if not access.needs_mfa_setup:
                return None
        else:
            user = _api_user(request) if is_api else request.user
            if user is None or not user_needs_mfa_setup(user):
                return None
        if is_api:
            return JsonResponse(
                {
                    "detail": _(
                        "Staff accounts must set up two-factor authentication (an "
                        "authenticator app) before using the API."
                    ),
                    "code": "mfa_required",
                },
                status=403,
            )
        # The setup page itself explains why (a banner), so no flash message here.
        return redirect("mfa_activate_totp")


def mfa_exempt(view):
    """Mark a view as usable by staff who have not enrolled a second factor yet."""
    view.mfa_exempt = True
    return view
