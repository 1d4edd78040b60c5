"""What every page of the talent pool shares: who may open it, the page size, and the
filters read from the query string."""

from __future__ import annotations

from django.http import HttpRequest

from academy.people.selectors import Role

from .. import selectors
from ..forms import TalentFilterForm

BUREAU = (Role.AUDITOR, Role.ADMIN)
PAGE_SIZE = 50


def request_filters(request: HttpRequest) -> tuple[TalentFilterForm, selectors.TalentFilters]:
    """The filter bar's form and the filters it selects (none without a query string)."""
    form = TalentFilterForm(request.GET or None)
    return form, form.filters() if request.GET else selectors.TalentFilters()
