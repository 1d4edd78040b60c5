"""Audit events and dossier entries read as sentences: no raw dict, no internal event code,
no UTC offset on any page a person reads, in Chinese or in English."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from academy.audit.models import AuditEvent
from academy.audit.services import audit_record
from talent.selectors.event_text import ACTION_PHRASES, describe_events
from tests.factories import BrokerFactory, UserFactory
from tests.ui.test_translations import visible_text

pytestmark = pytest.mark.django_db

# What must never reach a reader: a Python or JSON dict, an event code such as
# "talent.exported", an ISO time with its UTC offset.
RAW_DICT = re.compile(r"\{\s*['\"][^'\"]+['\"]\s*:")
EVENT_CODE = re.compile(r"\b(?:auth|people|courses|exams|certificates|notifications|talent)"
                        r"\.[a-z]+_[a-z_]+\b|\btalent\.exported\b")
UTC_OFFSET = re.compile(r"\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[+-]\d{2}:\d{2}|Z)\b|\bUTC\b")


def assert_readable(text: str) -> None:
    """Fails when ``text`` (a page's visible text) shows a raw dict, an event code or an
    offset."""
    assert not RAW_DICT.search(text), RAW_DICT.search(text).group(0)
    assert not EVENT_CODE.search(text), EVENT_CODE.search(text).group(0)
    assert not UTC_OFFSET.search(text), UTC_OFFSET.search(text).group(0)


def test_the_checks_catch_what_the_old_pages_showed():
    for bad in ("{'level': 'junior'}", '{"rows": 56}', "talent.exported",
                "people.level_changed", "2026-12-06T06:03:00+00:00", "06:03 UTC"):
        with pytest.raises(AssertionError):
            assert_readable(bad)
    assert_readable("王芳 于 2026-12-06 14:03 导出了技术经纪人名单（56 行）")


@pytest.fixture
def events_of_every_kind():
    """One event of every action the product records, with typical before/after values,
    plus one of an action this viewer has no sentence for."""
    broker = BrokerFactory(user__full_name="王芳")
    actor = UserFactory(full_name="李审计", roles=["auditor"])
    moment = "2026-12-06T06:03:00+00:00"
    for action in [*ACTION_PHRASES, "talent.something_new"]:
        audit_record(action=action, actor=actor, person=broker, subject=broker.broker_profile,
                     before={"level": "junior", "level_since": "2024-06-01",
                             "roles": ["broker"], "nested": {"a": 1}},
                     after={"level": "intermediate", "level_since": "2026-12-06",
                            "roles": ["broker", "trainer"], "starts_at": moment,
                            "rows": 56, "kind": "brokers", "passed": True,
                            "nested": {"a": 2}, "reason": "省厅认定"})
    return broker, actor


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_event_is_a_sentence_without_codes_dicts_or_offsets(events_of_every_kind,
                                                                  language):
    events = AuditEvent.objects.order_by("seq")
    with translation.override(language):
        views = describe_events(events)
        for view in views:
            assert_readable(view.sentence)
            for change in view.changes:
                assert_readable(f"{change.label} {change.before} {change.after}")
    _broker, actor = events_of_every_kind
    assert [v.sentence for v in views
            if v.event.actor_id == actor.pk and "李审计" not in v.sentence] == []
    # Times are local (Asia/Shanghai): 06:03 UTC is 14:03 in Sanmenxia.
    mine = next(v for v in views if v.event.actor_id == actor.pk)
    assert any(c.after == "2026-12-06 14:03" for c in mine.changes)


def test_a_change_lists_old_and_new_values_by_their_labels(events_of_every_kind):
    event = AuditEvent.objects.filter(action="people.level_changed").get()
    with translation.override("en"):
        [view] = describe_events([event])
        dossier = reverse("talent:dossier", args=[event.person_id])
    by_label = {c.label: c for c in view.changes}
    assert "junior" not in by_label["Level"].before  # the level's name, not its code
    assert by_label["Roles"].after == "Broker、Trainer"
    assert view.person_url == dossier
    assert "changed the level of" in view.sentence


def test_export_events_name_what_was_exported(events_of_every_kind):
    event = AuditEvent.objects.filter(action="talent.exported").get()
    with translation.override("zh-hans"):
        [view] = describe_events([event])
    assert "导出了" in view.sentence and "56 行" in view.sentence


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_audit_trail_dossier_and_admin_home_are_readable(client, mfa_enrolled,
                                                        events_of_every_kind, prefix):
    broker, _actor = events_of_every_kind
    admin = UserFactory(roles=["admin"])
    mfa_enrolled(admin)
    client.force_login(admin)
    for url in (reverse("talent:audit"), reverse("talent:dossier", args=[broker.pk]),
                reverse("home")):
        response = client.get(prefix + url if prefix else url)
        assert response.status_code == 200, url
        assert_readable(visible_text(response.content.decode()))


def test_audit_person_filter_finds_people_by_name_initials_and_phone_tail(
        client, mfa_enrolled, events_of_every_kind):
    broker, _actor = events_of_every_kind
    other = BrokerFactory(user__full_name="赵强")
    audit_record(action="people.practice_created", person=other, actor=other)
    phone_tail = broker.broker_profile.phone[-4:]
    auditor = UserFactory(roles=["auditor"])
    mfa_enrolled(auditor)
    client.force_login(auditor)
    for term in ("王芳", "wf", phone_tail, broker.email):
        page = client.get(reverse("talent:audit"), {"person": term}).context["page"]
        people = {e.person_id for e in page.object_list}
        assert people == {broker.pk}, term
    page = client.get(reverse("talent:audit"), {"person": "zq"}).context["page"]
    assert {e.person_id for e in page.object_list} == {other.pk}


def test_the_audit_trail_shows_the_event_time_in_local_time(client, mfa_enrolled):
    auditor = UserFactory(roles=["auditor"], full_name="张审计")
    mfa_enrolled(auditor)
    audit_record(action="talent.export_downloaded", actor=auditor, after={"rows": 3})
    event = AuditEvent.objects.get(action="talent.export_downloaded")
    local = timezone.localtime(event.occurred_at)
    client.force_login(auditor)
    text = visible_text(client.get(reverse("talent:audit")).content.decode())
    assert f"张审计 于 {local:%Y-%m-%d %H:%M}" in text
    assert local.utcoffset() == datetime.timedelta(hours=8)
