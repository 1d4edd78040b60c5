from django.core.paginator import Paginator
from django.shortcuts import render

from .models import Level, Region
from .roles import Role, role_required
from .selectors import broker_profile_list


@role_required(Role.ADMIN, Role.AUDITOR, Role.TRAINER)
def broker_list(request):
    """Brokers the viewer may see; personal data masked (admins see it on the dossier)."""
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
