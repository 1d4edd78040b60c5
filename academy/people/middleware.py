"""Staff must enrol a second factor before they can use any staff page."""

from django.conf import settings
from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from allauth.mfa.models import Authenticator

from .roles import user_is_staff_role

# Views a staff member without a second factor may still use: allauth's own pages (login,
# logout, MFA enrolment, password and e-mail), the language switch, health, public verification.
_EXEMPT_MODULE_PREFIXES = ("allauth.", "django.views.i18n", "django.views.static")
_EXEMPT_URL_NAMES = frozenset({"healthz", "set_language", "javascript-catalog"})


class StaffMfaRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not settings.ACADEMY_STAFF_MFA_REQUIRED:
            return None
        user = request.user
        if not user.is_authenticated or not user_is_staff_role(user):
            return None
        module = getattr(view_func, "__module__", "") or ""
        match = request.resolver_match
        if module.startswith(_EXEMPT_MODULE_PREFIXES) or (
            match and (match.url_name in _EXEMPT_URL_NAMES or getattr(view_func, "mfa_exempt", False))
        ):
            return None
        if Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            return None
        message = _(
            "Staff accounts must set up two-factor authentication (an authenticator app) "
            "before using this page."
        )
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message, "code": "mfa_required"}, status=403)
        messages.warning(request, message)
        return redirect("mfa_activate_totp")


def mfa_exempt(view):
    """Mark a view as usable by staff who have not enrolled a second factor yet."""
    view.mfa_exempt = True
    return view
