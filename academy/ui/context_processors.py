from django.conf import settings

from academy.people.roles import primary_role, user_roles

from .navigation import nav_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "user_role_names": [], "demo_mode": settings.ACADEMY_DEMO_MODE}
    return {
        "nav_items": nav_for(user),
        "user_role_names": sorted(user_roles(user)),
        "user_primary_role": primary_role(user),
        "demo_mode": settings.ACADEMY_DEMO_MODE,
        "staff_mfa_required": settings.ACADEMY_STAFF_MFA_REQUIRED,
    }
