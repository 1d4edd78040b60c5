"""No auditor request can change a row: every route of the whole project, tried with POST,
PUT, PATCH and DELETE as an auditor, leaves every table as it was.

Routes come from walking the URL conf (nothing listed by hand, so a new endpoint is tried as
soon as it exists). Path arguments are filled with the primary keys of a populated database,
so that most requests reach a real object. Row counts are compared after each request; the
whole content of every table is compared once at the end, which also catches updates.

The one write an auditor may make is their own request for a background export (a
``TalentExport``: their request log, like the audit trail's events); a valid such request is
tested in test_exports.py to change that table and no other.
"""

from __future__ import annotations

import hashlib
import re

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import LocalePrefixPattern, RoutePattern

pytestmark = pytest.mark.django_db

METHODS = ("post", "put", "patch", "delete")
IGNORED_TABLES = {"django_session"}
PARAM = re.compile(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>")


def _routes() -> list[str]:
    routes: list[str] = []

    def walk(patterns, prefix: str) -> None:
        for entry in patterns:
            pattern = entry.pattern
            if isinstance(pattern, LocalePrefixPattern):
                part = ""
            elif isinstance(pattern, RoutePattern):
                part = str(pattern._route)
            else:  # a regular expression (the admin's few): take it if it is plain text
                raw = str(pattern.regex.pattern).lstrip("^").rstrip("$").replace("\\Z", "")
                if re.search(r"[()\[\]?*+\\]", raw):
                    continue
                part = raw
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + part)
            elif isinstance(entry, URLPattern):
                routes.append(prefix + part)

    walk(get_resolver().url_patterns, "")
    return sorted(set(routes))


def _fill(route: str, pk: int) -> str:
    def value(match: re.Match) -> str:
        conv = match.group("conv") or "str"
        if conv == "int":
            return str(pk)
        if conv == "uuid":
            return "00000000-0000-0000-0000-000000000001"
        return "1" if conv == "path" else "x1"

    return "/" + PARAM.sub(value, route)


def _models():
    return [m for m in apps.get_models() if m._meta.db_table not in IGNORED_TABLES
            and m._meta.managed and not m._meta.proxy]


def _counts() -> dict[str, int]:
    """Every table's row count in one query (one per table made this test take 5 minutes)."""
    models = _models()
    quote = connection.ops.quote_name
    sql = "SELECT " + ", ".join(  # noqa: S608 - the models' own table names, quoted
        f"(SELECT COUNT(*) FROM {quote(m._meta.db_table)})" for m in models)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
    return {m._meta.label: n for m, n in zip(models, row, strict=True)}


def _digest() -> dict[str, str]:
    result = {}
    for model in _models():
        rows = model._default_manager.order_by("pk").values_list()
        result[model._meta.label] = hashlib.sha256(repr(list(rows)).encode()).hexdigest()
    return result


def test_no_auditor_request_changes_any_row(client, auditor, mfa_enrolled, population):
    mfa_enrolled(auditor)
    client.force_login(auditor)
    pks = sorted({1, population.sitting.pk, population.brokers["b1"].pk})
    routes = _routes()
    assert any(r.startswith("talent/") for r in routes)
    assert any(r.startswith("api/v1/") for r in routes)
    before_all = _digest()
    tried = 0
    before = _counts()
    for route in routes:
        urls = {_fill(route, pk) for pk in pks}
        for url in sorted(urls):
            for method in METHODS:
                cache.clear()  # throttles and cached figures must not hide a change
                response = getattr(client, method)(url, data={}, content_type=(
                    "application/json" if method != "post" else
                    "application/x-www-form-urlencoded"))
                tried += 1
                assert _counts() == before, f"{method.upper()} {url} → {response.status_code}"
                assert response.status_code < 500, (
                    f"{method.upper()} {url} → {response.status_code}")
    assert tried > 100
    after_all = _digest()
    changed = [label for label in before_all if before_all[label] != after_all[label]]
    assert changed == []
