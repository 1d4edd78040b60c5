"""Small helpers for the talent pool templates: drill-down links and SVG bar geometry."""

from __future__ import annotations

from functools import lru_cache
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
    from academy.notifications.selectors import get_kind

    try:
        return str(get_kind(code).label)
    except KeyError:
        return str(code).replace("_", " ").capitalize()


@register.simple_tag
def talent_chart(name: str, figures: dict, query_dict: dict) -> dict:
    """The chart description (``talent.charts``) of one of the dashboard's figures, each
    value linked to the same broker list as its number in the table."""
    from django.utils.translation import gettext as _

    from .. import charts

    def url(drill: dict[str, str]) -> str:
        return drill_url(query_dict, drill)

    brokers = _("Brokers")
    if name == "by_level":
        return charts.counts(figures["by_level"], value_name=brokers, url=url)
    if name == "by_region":
        return charts.counts(figures["by_region"], value_name=brokers, url=url)
    if name == "by_organisation":
        return charts.counts(figures["by_organisation"], value_name=brokers, url=url)
    if name == "funnel":
        return charts.counts(figures["funnel"], value_name=brokers, url=url)
    if name == "promotions":
        return charts.promotions(figures["promotions"], url=url)
    if name == "practice":
        return charts.practice(figures["practice"], url=url)
    if name == "sittings":
        return charts.pass_rates(list(figures["sittings"])[-25:], url=url)
    if name == "certificates":
        return charts.certificates(figures.get("certificates"))
    raise ValueError(name)


@register.simple_tag
def echarts_script() -> str:
    """The <script> of Apache ECharts when it is installed (``make install`` runs npm ci),
    else nothing: the pages then show their tables only."""
    from django.templatetags.static import static
    from django.utils.html import format_html

    if not _echarts_installed():
        return ""
    return format_html('<script src="{}"></script>', static("echarts/echarts.min.js"))


@lru_cache(maxsize=1)
def _echarts_installed() -> bool:
    from django.contrib.staticfiles import finders

    return bool(finders.find("echarts/echarts.min.js"))
