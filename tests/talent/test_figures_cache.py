"""The dashboard's figures kept briefly in the cache (ACADEMY_TALENT_FIGURES_CACHE_SECONDS),
shown "as of" their time; the filter selects rendered in one pass."""

from __future__ import annotations

import datetime
import re

import pytest
from django import forms
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from academy.people.models import Organisation
from academy.talent import selectors
from academy.talent.selectors import TalentFilters
from academy.talent.widgets import QuickSelect
from tests.factories import BrokerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cached_figures(settings):
    settings.ACADEMY_TALENT_FIGURES_CACHE_SECONDS = 60
    cache.clear()
    yield
    cache.clear()


def test_without_a_cache_time_the_figures_are_computed_on_every_request(population):
    first = selectors.dashboard(TalentFilters())
    BrokerFactory()
    second = selectors.dashboard(TalentFilters())
    assert second["total"] == first["total"] + 1
    assert second["as_of"] >= first["as_of"]


def test_cached_figures_keep_their_time_until_they_expire(population, cached_figures,
                                                          monkeypatch):
    first = selectors.dashboard(TalentFilters())
    BrokerFactory()
    again = selectors.dashboard(TalentFilters())
    assert again["total"] == first["total"]  # the figures of first["as_of"], said so
    assert again["as_of"] == first["as_of"]
    # Each filter set has its own figures.
    by_region = selectors.dashboard(TalentFilters(region=population.region_a))
    assert by_region["total"] == 3

    later = timezone.now() + datetime.timedelta(seconds=61)
    monkeypatch.setattr(timezone, "now", lambda: later)
    fresh = selectors.dashboard(TalentFilters())
    assert fresh["total"] == first["total"] + 1
    assert fresh["as_of"] == later


def test_while_one_request_recomputes_the_others_get_the_previous_figures(
        population, cached_figures, monkeypatch):
    first = selectors.dashboard(TalentFilters())
    later = timezone.now() + datetime.timedelta(seconds=61)
    monkeypatch.setattr(timezone, "now", lambda: later)
    # Another request is recomputing them (it holds the lock).
    cache.add(selectors.figures_cache_key(TalentFilters()) + ":computing", True)
    BrokerFactory()
    served = selectors.dashboard(TalentFilters())
    assert served["as_of"] == first["as_of"]
    assert served["total"] == first["total"]


def test_the_page_and_the_api_say_when_the_figures_were_computed(bureau_client, population,
                                                                 cached_figures):
    response = bureau_client.get(reverse("talent:dashboard"))
    as_of = response.context["f"]["as_of"]
    assert re.search(r'data-testid="figures-as-of">[^<]*'
                     + timezone.localtime(as_of).strftime("%H:%M"), response.content.decode())
    data = bureau_client.get("/api/v1/talent-pool/summary/").json()
    assert datetime.datetime.fromisoformat(data["as_of"]) == as_of


def test_quick_select_renders_what_django_select_renders(population):
    def select(widget):
        class Form(forms.Form):
            organisation = forms.ModelChoiceField(queryset=Organisation.objects.order_by("pk"),
                                                  empty_label="全部 <所有>", widget=widget)
        return str(Form({"organisation": str(population.o2.pk)})["organisation"])

    def attributes(html):
        tags = re.findall(r"<(\w+)([^>]*)>([^<]*)", html)
        return [(tag, sorted(re.findall(r'\s([\w-]+(?:="[^"]*")?)', attrs)), text.strip())
                for tag, attrs, text in tags]

    quick, django = select(QuickSelect), select(forms.Select)
    assert attributes(quick) == attributes(django)
    assert "&lt;所有&gt;" in quick and f'value="{population.o2.pk}" selected' in quick
