"""The dashboard's figures kept briefly in the cache (ACADEMY_TALENT_FIGURES_CACHE_SECONDS),
shown "as of" their time and refreshed in the background; the organisation and cohort filters
typed with suggestions instead of a <select> of every row."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone, translation

from talent import selectors
from talent.selectors import TalentFilters
from tests.factories import BrokerFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def test_without_a_cache_time_the_figures_are_computed_on_every_request(population):
    first = selectors.dashboard(TalentFilters())
    BrokerFactory()
    second = selectors.dashboard(TalentFilters())
    assert second["total"] == first["total"] + 1
    assert second["as_of"] >= first["as_of"]


def test_cached_figures_keep_their_time_until_they_expire(population, cached_figures,
                                                          monkeypatch):
    first = selectors.dashboard(TalentFilters())
    # In region B: the factory's random region made region A's count below flaky.
    BrokerFactory(region=population.region_b)
    again = selectors.dashboard(TalentFilters())
    assert again["total"] == first["total"]  # the figures of first["as_of"], said so
    assert again["as_of"] == first["as_of"]
    # Each filter set has its own figures.
    by_region = selectors.dashboard(TalentFilters(region=population.region_a))
    assert by_region["total"] == 3

    later = timezone.now() + datetime.timedelta(seconds=61)
    monkeypatch.setattr(timezone, "now", lambda: later)
    # Past their time the previous figures are served, said so, while a task (eager in
    # tests) recomputes them; the next request has the new ones.
    stale = selectors.dashboard(TalentFilters())
    assert (stale["total"], stale["as_of"]) == (first["total"], first["as_of"])
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


def test_a_refresh_is_queued_once_and_skipped_while_another_computes(
        population, cached_figures, monkeypatch):
    from talent import tasks

    first = selectors.dashboard(TalentFilters())
    key = selectors.figures_cache_key(TalentFilters())
    queued = []
    monkeypatch.setattr(tasks.talent_figures_refresh, "delay",
                        lambda *args, **kwargs: queued.append((args, kwargs)))
    later = timezone.now() + datetime.timedelta(seconds=61)
    monkeypatch.setattr(timezone, "now", lambda: later)
    for _request in range(3):
        assert selectors.dashboard(TalentFilters())["as_of"] == first["as_of"]
    assert len(queued) == 1  # one task per filter set, however many requests see them stale
    assert queued[0][0][0] == {} and queued[0][1] == {"older_than": 60}

    # The task, while another process holds the lock: a no-op; then it computes.
    BrokerFactory()
    assert cache.add(key + ":computing", True)
    assert tasks.talent_figures_refresh({}, "zh-hans", older_than=60) is False
    cache.delete(key + ":computing")
    assert tasks.talent_figures_refresh(*queued[0][0], **queued[0][1]) is True
    assert tasks.talent_figures_refresh(*queued[0][0], **queued[0][1]) is False  # fresh now
    assert selectors.dashboard(TalentFilters())["total"] == first["total"] + 1


def test_the_refresh_task_rebuilds_the_filters_from_their_query(population, cached_figures):
    from talent import tasks

    filters = TalentFilters(region=population.region_a, organisation=population.o1,
                            date_from=datetime.date(2020, 1, 1))
    assert selectors.filters_from_query(filters.as_query()) == filters
    assert tasks.talent_figures_refresh(filters.as_query(), "zh-hans") is True
    with translation.override("zh-hans"):
        cached = cache.get(selectors.figures_cache_key(filters))
    assert cached["total"] == selectors.dashboard_compute(filters)["total"]


def test_beat_precomputes_the_unfiltered_figures_every_minute(population, cached_figures,
                                                              monkeypatch):
    from django_celery_beat.models import PeriodicTask

    from talent import tasks
    from talent.schedules import FIGURES_NAME, FIGURES_TASK

    entry = PeriodicTask.objects.get(name=FIGURES_NAME)  # installed by migrate
    assert entry.task == FIGURES_TASK and (entry.interval.every, entry.interval.period) == (
        1, "minutes")
    assert tasks.talent_figures_precompute() == ["zh-hans"]  # English: nobody asked yet
    assert tasks.talent_figures_precompute() == []  # fresh: a second run is a no-op
    with translation.override("zh-hans"):
        first = selectors.dashboard(TalentFilters())
    BrokerFactory()
    later = timezone.now() + datetime.timedelta(seconds=31)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert tasks.talent_figures_precompute() == ["zh-hans"]
    with translation.override("zh-hans"):
        again = selectors.dashboard(TalentFilters())
    assert (again["total"], again["as_of"]) == (first["total"] + 1, later)


def test_the_page_shows_the_date_of_figures_from_another_day(bureau_client, population,
                                                             cached_figures):
    yesterday = timezone.now() - datetime.timedelta(days=1)
    figures = {**selectors.dashboard_compute(TalentFilters()), "as_of": yesterday}
    with translation.override("zh-hans"):
        cache.set(selectors.figures_cache_key(TalentFilters()), figures, 600)
    html = bureau_client.get(reverse("talent:dashboard"),
                             HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert timezone.localtime(yesterday).strftime("%Y-%m-%d %H:%M") in html


def test_the_organisation_filter_takes_a_name_or_an_id_and_lists_no_options(
        bureau_client, population):
    o1 = population.o1
    by_id = bureau_client.get(reverse("talent:dashboard"), {"organisation": o1.pk})
    by_name = bureau_client.get(reverse("talent:dashboard"),
                                {"organisation": o1.name.upper()})
    assert by_id.context["filters"].organisation == o1
    assert by_name.context["filters"].organisation == o1
    assert by_id.context["f"]["total"] == by_name.context["f"]["total"] == 3
    html = by_id.content.decode()
    assert f'value="{o1.name}"' in html and 'data-suggest-url="' in html
    assert f'<option value="{population.o2.pk}"' not in html
    unknown = bureau_client.get(reverse("talent:dashboard"), {"organisation": "No such org"})
    assert unknown.context["form"].errors["organisation"]
    assert unknown.context["filters"] == TalentFilters()


def test_organisation_suggestions_match_the_name_within_the_region(bureau_client, population):
    url = reverse("talent:organisation_options")
    # Of region B by its address, no broker yet; O1 and O2 have brokers in both regions.
    o3 = OrganisationFactory(name="丙研究中心", region=population.region_b)
    p = population
    everything = bureau_client.get(url).json()["results"]
    assert {r["id"] for r in everything} == {p.o1.pk, p.o2.pk, o3.pk}
    in_a = bureau_client.get(url, {"region": p.region_a.code}).json()["results"]
    assert {r["id"] for r in in_a} == {p.o1.pk, p.o2.pk}
    in_b = bureau_client.get(url, {"region": p.region_b.code, "q": "研究"}).json()["results"]
    assert {r["id"] for r in in_b} == {p.o2.pk, o3.pk}
    o4 = OrganisationFactory(name="研究所甲")
    first = bureau_client.get(url, {"q": "研究"}).json()["results"][0]
    assert first == {"id": o4.pk, "name": "研究所甲"}  # names starting with the text first
    assert bureau_client.get(url, {"q": "zzz-nothing"}).json() == {"results": []}


def test_the_cohort_filter_takes_a_code_or_a_unique_name(bureau_client, population):
    from tests.courses.factories import CohortFactory

    cohort = population.cohort
    url = reverse("talent:dashboard")
    by_code = bureau_client.get(url, {"cohort": cohort.code.upper()})
    by_name = bureau_client.get(url, {"cohort": cohort.name})
    assert by_code.context["filters"].cohort == by_name.context["filters"].cohort == cohort
    assert by_code.context["f"]["total"] == 4
    html = by_name.content.decode()
    assert re.search(r'<input type="text" name="cohort"[^>]*\svalue="'
                     + re.escape(cohort.code) + '"', html)
    assert f'<option value="{cohort.code}"' not in html  # no <select> of every cohort
    twin = CohortFactory(name=cohort.name)
    ambiguous = bureau_client.get(url, {"cohort": cohort.name})
    assert ambiguous.context["form"].errors["cohort"]
    assert bureau_client.get(url, {"cohort": twin.code}).context["filters"].cohort == twin

    options = bureau_client.get(reverse("talent:cohort_options"),
                                {"q": cohort.code[2:6]}).json()["results"]
    assert {"value": cohort.code, "name": cohort.name} in options
