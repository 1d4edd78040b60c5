"""The broker list (trainers; the bureau is sent to the talent pool's) and the person search."""

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from ..models import Level, Region, User
from ..roles import Role, role_required
from ..scoping import broker_users_visible_to
from ..selectors import broker_profile_list


@role_required(Role.ADMIN, Role.AUDITOR, Role.TRAINER)
def broker_list(request):
    """A trainer's brokers; personal data masked. Admins and auditors have one list of every
    broker, the talent pool's (filters, drill-down, export): they are sent there."""
    from django.urls import NoReverseMatch, reverse

    from ..roles import user_roles

    if user_roles(request.user) & {Role.ADMIN, Role.AUDITOR}:
        try:
            target = reverse("talent:broker_list")
        except NoReverseMatch:
            target = ""
        if target:
            query = {}
            if request.GET.get("q"):
                query["q"] = request.GET["q"]
            for key in ("level", "region"):
                if request.GET.get(key):
                    query[key] = request.GET[key]
            return redirect(target + ("?" + urlencode(query) if query else ""))
    filters = {
        "level": request.GET.get("level", ""),
        "region": request.GET.get("region", ""),
        "search": request.GET.get("q", "").strip(),
    }
    profiles = broker_profile_list(viewer=request.user, **filters)
    page = Paginator(profiles, 25).get_page(request.GET.get("page"))
    return render(request, "people/broker_list.html", {
        "page": page,
        "filters": filters,
        "levels": Level.objects.all(),
        "regions": Region.objects.all(),
    })


@require_GET
@role_required(Role.ADMIN, Role.AUDITOR, Role.TRAINER)
def person_search_view(request):
    """People matching ``q`` (name, pinyin initials, phone or ID tail) as JSON, among those
    the viewer may see: every account for the bureau, a trainer's own brokers otherwise."""
    from ..roles import user_roles
    from ..search import person_choice, person_search

    roles = user_roles(request.user)
    among = None
    if not roles & {Role.ADMIN, Role.AUDITOR}:
        among = broker_users_visible_to(request.user)
    if request.GET.get("brokers") == "1":
        among = (among if among is not None else User.objects.all()).filter(
            broker_profile__isnull=False)
    users = person_search(request.GET.get("q", ""), among=among, limit=PERSON_SEARCH_LIMIT)
    users = users.select_related("broker_profile__level", "broker_profile__organisation")
    return JsonResponse({"results": [person_choice(u) for u in users]})


PERSON_SEARCH_LIMIT = 15
