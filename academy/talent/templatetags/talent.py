"""Small helpers for the talent pool templates: drill-down links and SVG bar geometry."""

from __future__ import annotations

from urllib.parse import urlencode

from django import template
from django.urls import reverse

register = template.Library()


@register.simple_tag
def drill_url(query_dict: dict, drill: dict | None = None) -> str:
    """The broker list behind a number: the dashboard's filters plus the figure's own."""
    return reverse("talent:broker_list") + "?" + urlencode({**query_dict, **(drill or {})})


@register.filter
def bar_height(percent: int, height: int = 120) -> int:
    """Pixels of an SVG column ``percent`` of the chart's height (at least 1 when not zero)."""
    value = int(round((percent or 0) * height / 100))
    return max(value, 1) if percent else 0


@register.filter
def bar_y(percent: int, height: int = 120) -> int:
    return height - bar_height(percent, height)


@register.filter
def times(value: int, factor: int) -> int:
    return int(value) * int(factor)


@register.filter
def plus(value: int, addend: int) -> int:
    return int(value) + int(addend)


@register.filter
def notification_kind(code: str) -> str:
    """A notification kind's name in the reader's language (never its internal code)."""
    from academy.notifications.kinds import get_kind

    try:
        return str(get_kind(code).label)
    except KeyError:
        return str(code).replace("_", " ").capitalize()
