"""Reading people."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from ..models import BrokerProfile, User
from ..scoping import broker_users_visible_to
from ..search import person_q


def broker_profile_list(
    *, viewer: Any, level: str = "", region: str = "", search: str = ""
) -> QuerySet[BrokerProfile]:
    """The broker profiles ``viewer`` may see, filtered; one query with its relations."""
    visible = broker_users_visible_to(viewer).values("pk")
    qs = BrokerProfile.objects.filter(user__in=visible).select_related(
        "user", "level", "region", "organisation"
    )
    if level:
        qs = qs.filter(level__code=level)
    if region:
        qs = qs.filter(region__code=region)
    if search:
        people = person_q(search)
        qs = qs.filter(Q(user__in=User.objects.filter(people).values("pk"))
                       | Q(organisation__name__icontains=search))
    return qs.order_by("level__rank", "region__sort_order", "user__name_pinyin")


