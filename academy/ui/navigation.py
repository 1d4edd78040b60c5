"""The navigation of each role. Items whose URL does not exist yet are left out."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from academy.people.roles import Role, user_roles


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    roles: frozenset[str]
    icon: str = ""


NAV_ITEMS: tuple[NavItem, ...] = (
    NavItem(_("Home"), "home", frozenset(Role.values)),
    NavItem(_("Roster import"), "people:roster_import", frozenset({Role.ADMIN})),
    NavItem(_("Brokers"), "people:broker_list",
            frozenset({Role.ADMIN, Role.AUDITOR, Role.TRAINER})),
    NavItem(_("API"), "api-docs", frozenset({Role.ADMIN, Role.AUDITOR})),
    NavItem(_("Back office"), "admin:index", frozenset({Role.ADMIN})),
)


def nav_for(user) -> list[dict[str, str]]:
    roles = user_roles(user)
    items = []
    for item in NAV_ITEMS:
        if not roles & item.roles:
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        items.append({"label": item.label, "url": url, "url_name": item.url_name})
    return items
