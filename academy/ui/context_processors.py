"""What every page's layout needs: the menus, the demo notice, the MFA state."""

from __future__ import annotations

from django.conf import settings
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from academy.people.selectors import (
    Role,
    people_conf,
    primary_role,
    user_is_staff_role,
    user_needs_mfa_setup,
    user_roles,
)

from .navigation import account_nav, nav_for, nav_menu

# The accounts `seed_demo` creates (DESIGN.md "Contracts"); shown on the demo's login page.
DEMO_PASSWORD = "Academy-demo-2026"  # noqa: S105 - the published demo password, not a secret
DEMO_ACCOUNTS = (
    (_("Administrator"), "admin@demo.local"),
    (_("Auditor"), "auditor@demo.local"),
    (_("Trainer"), "trainer1@demo.local, trainer2@demo.local"),
    (_("Broker"), "broker01@demo.local … broker56@demo.local"),
)


def navigation(request):
    common = {
        "demo_mode": settings.ACADEMY_DEMO_MODE,
        "demo_accounts": DEMO_ACCOUNTS if settings.ACADEMY_DEMO_MODE else (),
        "demo_password": DEMO_PASSWORD if settings.ACADEMY_DEMO_MODE else "",
        "signup_open": people_conf.SIGNUP_OPEN,
        "staff_mfa_required": people_conf.STAFF_MFA_REQUIRED,
    }
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {**common, "nav_items": [], "nav_menu": [], "account_items": [],
                "user_role_names": [],
                "user_primary_role": None, "user_is_staff_role": False,
                "mfa_setup_required": False}
    path = request.path
    role = primary_role(user)
    items = SimpleLazyObject(lambda: nav_for(user, path))
    # Lazy: a layout without the menus (the exam page) pays for none of them.
    return {
        **common,
        "nav_items": items,
        "nav_menu": SimpleLazyObject(lambda: nav_menu(items)),
        "account_items": SimpleLazyObject(lambda: account_nav(path)),
        "user_role_names": sorted(user_roles(user)),
        "user_primary_role": role,
        "user_primary_role_label": Role(role).label if role else "",
        "user_is_staff_role": user_is_staff_role(user),
        "mfa_setup_required": SimpleLazyObject(lambda: user_needs_mfa_setup(user)),
    }
