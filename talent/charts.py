"""The dashboard's figures as chart descriptions for Apache ECharts.

Each function takes figures the dashboard has computed already (no query of its own, so the
page's query count stays what it was) and returns a small, JSON-ready description: the
categories, one or more series of values, and for each value the broker list behind it
(the same drill-down link as the number in the table). ``talent/js/charts.js`` turns it into
an ECharts option with axes, labels, tooltips and the colour-blind-safe palette below; the
table beside each chart stays in the page, one click away, and is what a browser without
JavaScript shows.

Months are consecutive: a month without promotions or practice records is a zero on the
axis, never skipped, so that bars of March and July do not stand side by side.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from typing import Any

from django.utils.translation import gettext as _

# Okabe and Ito's palette, distinguishable with every common colour-vision deficiency.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442",
           "#000000"]

Url = Callable[[dict[str, str]], str]


def _months(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return months


def counts(rows: Iterable[Any], *, value_name: str, url: Url,
           horizontal: bool = True) -> dict[str, Any]:
    """Rows with ``label``, ``count`` and ``drill`` (brokers by level, region, organisation;
    the funnel's steps) as one series of bars."""
    rows = list(rows)
    return {
        "kind": "bars", "horizontal": horizontal, "categories": [str(r.label) for r in rows],
        "value_name": value_name,
        "series": [{"name": value_name, "values": [r.count for r in rows],
                    "urls": [url(r.drill) for r in rows]}],
        "palette": PALETTE,
    }


def promotions(rows: Iterable[Any], *, url: Url) -> dict[str, Any]:
    """Promotions per month and level: one stacked column per month, every month from the
    first to the last, a series per level."""
    rows = list(rows)
    if not rows:
        return {}
    months = _months(min(r.month for r in rows), max(r.month for r in rows))
    index = {m: i for i, m in enumerate(months)}
    series: dict[str, dict[str, Any]] = {}
    for r in rows:
        s = series.setdefault(r.level_code, {
            "name": str(r.level_label), "values": [0] * len(months), "urls": [""] * len(months)})
        i = index[r.month.replace(day=1)]
        s["values"][i] += r.count
        s["urls"][i] = url(r.drill)
    return {
        "kind": "bars", "horizontal": False, "stacked": True,
        "categories": [m.strftime("%Y-%m") for m in months],
        "value_name": _("Promotions"), "series": list(series.values()), "palette": PALETTE,
    }


def practice(rows: Iterable[Any], *, url: Url) -> dict[str, Any]:
    """Approved practice records per month, a stacked series per region, every month from the
    first to the last."""
    rows = list(rows)
    if not rows:
        return {}
    months = _months(min(r.month for r in rows), max(r.month for r in rows))
    index = {m: i for i, m in enumerate(months)}
    series: dict[str, dict[str, Any]] = {}
    for r in rows:
        s = series.setdefault(r.region_code, {
            "name": str(r.region_label), "values": [0] * len(months),
            "urls": [""] * len(months)})
        i = index[r.month.replace(day=1)]
        s["values"][i] += r.records
        s["urls"][i] = url(r.drill)
    return {
        "kind": "bars", "horizontal": False, "stacked": True,
        "categories": [m.strftime("%Y-%m") for m in months],
        "value_name": _("Approved practice records"), "series": list(series.values()),
        "palette": PALETTE,
    }


def pass_rates(rows: Iterable[Any], *, url: Url) -> dict[str, Any]:
    """Each sitting's pass rate (percent of its brokers who passed)."""
    rows = list(rows)
    return {
        "kind": "bars", "horizontal": True, "percent": True,
        "categories": [str(r.title) for r in rows], "value_name": _("Pass rate"),
        "series": [{"name": _("Pass rate"), "values": [r.pass_rate for r in rows],
                    "urls": [url({"sitting": str(r.sitting_id), "passed": "1"})
                             for r in rows]}],
        "palette": PALETTE,
    }


def certificates(figures: dict[str, int] | None) -> dict[str, Any]:
    """Certificates valid, expiring soon, expired and revoked."""
    if not figures:
        return {}
    keys = [("valid", _("Valid")), ("expiring", _("Expiring within 90 days")),
            ("expired", _("Expired")), ("revoked", _("Revoked"))]
    return {
        "kind": "bars", "horizontal": False, "categories": [str(label) for _k, label in keys],
        "value_name": _("Certificates"),
        "series": [{"name": _("Certificates"), "values": [figures.get(k, 0) for k, _l in keys],
                    "urls": ["" for _k in keys]}],
        "palette": PALETTE,
    }
