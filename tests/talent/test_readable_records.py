"""Audit events and dossier entries read as sentences: no raw dict, no internal event code,
no UTC offset on any page a person reads, in Chinese or in English."""

from __future__ import annotations

import datetime
import functools
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from academy.audit.models import AuditEvent
from academy.audit.services import audit_record
from talent.selectors.event_fields import FIELD_LABELS
from talent.selectors.event_text import ACTION_PHRASES, action_choices, describe_events
from tests.factories import BrokerFactory, UserFactory
from tests.talent.audit_sources import Recorded, recorded, scan_source
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


@functools.cache
def recorded_in_source() -> Recorded:
    return recorded()


def every_action() -> list[str]:
    """Every action the code records, and every action with a sentence (events of an action
    the code no longer records stay in the trail and are read too)."""
    return sorted(set(recorded_in_source().actions) | set(ACTION_PHRASES))


def test_the_scan_reads_conditional_actions_and_refuses_computed_ones():
    found = Recorded()
    scan_source('audit_record(action="a.one" if x else "a.two", after={"k": 1})\n'
                'AuditEntry(action="a.three", before={"j": 2, **rest})\n'
                "audit_record(action=name)\n", "x.py", found)
    assert sorted(found.actions) == ["a.one", "a.three", "a.two"]
    assert sorted(found.keys) == ["j", "k"]
    assert found.unreadable == ["x.py:3"]


def test_every_action_the_code_records_has_a_sentence_and_a_filter_choice():
    found = recorded_in_source()
    assert found.unreadable == [], "actions the scan cannot read"
    assert len(found.actions) > 60  # the scan does find the project's calls
    without = {action: where for action, where in found.actions.items()
               if action not in ACTION_PHRASES}
    assert without == {}
    choices = {code for code, _label in action_choices()}
    assert set(found.actions) - choices == set()


def test_every_field_the_code_records_has_a_label():
    without = {key: where for key, where in recorded_in_source().keys.items()
               if key not in FIELD_LABELS}
    assert without == {}


@pytest.fixture
def events_of_every_kind():
    """One event of every action the product records, with typical before/after values,
    plus one of an action this viewer has no sentence for."""
    broker = BrokerFactory(user__full_name="王芳")
    actor = UserFactory(full_name="李审计", roles=["auditor"])
    moment = "2026-12-06T06:03:00+00:00"
    for action in [*every_action(), "talent.something_new"]:
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


CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def account_and_wallet_events():
    """The events of lesson crediting, study policy, question export, electronic licences,
    DIDs, wallets, SMS numbers, calendar feeds and direct permissions, made by the services
    that record them where a test can run them, else with the values those services record."""
    from django.contrib.auth.models import Permission

    from academy.notifications.models import UserSettings
    from academy.notifications.services import calendar_token_reset, phone_verification_remove
    from certificates.credentials.oid4vci import CONFIG_JWT
    from certificates.services import ecert_export, holder_did_set
    from courses.models import StudyPolicy
    from courses.services.authoring import lesson_update
    from exams.services import question_bank_export
    from tests.courses.factories import LessonFactory
    from tests.talent.conftest import certificate_for

    broker = BrokerFactory(user__full_name="王芳")
    admin = UserFactory(full_name="张管理", roles=["admin"])
    lesson_update(lesson=LessonFactory(title="技术合同"), actor=admin, credit_method="attendance")
    policy = StudyPolicy.objects.first() or StudyPolicy.objects.create()
    audit_record(action="courses.study_policy_changed", subject=policy, actor=admin,
                 after={"time_share_percent": "70", "max_playback_rate": "1.5"})
    question_bank_export(fmt="moodle", actor=admin)
    ecert_export(actor=admin, level="intermediate")
    holder_did_set(user=broker, did="did:web:example.org:wang")
    certificate = certificate_for(broker)
    audit_record(action="certificates.wallet_offer_created", subject=certificate,
                 person=broker, actor=broker, after={"serial": certificate.serial})
    audit_record(action="certificates.wallet_credential_issued", subject=certificate,
                 person=broker, actor_label="wallet",
                 after={"holder": "did:web:example.org:wang", "format": CONFIG_JWT})
    settings = UserSettings.objects.create(user=broker, sms_phone="13812345678",
                                           sms_phone_verified_at=timezone.now())
    # Recorded as the verification records it, but unmasked: the reader still sees it masked.
    audit_record(action="notifications.phone_verified", subject=settings, person=broker,
                 actor=broker, before={"sms_phone": ""}, after={"sms_phone": "13812345678"})
    phone_verification_remove(user=broker)
    calendar_token_reset(user=broker)
    broker.user_permissions.add(Permission.objects.get(codename="add_user"))
    return broker


# What each of these events reads as in Chinese: a fragment of its sentence, and its changes.
EXPECTED_ZH = {
    "courses.lesson_credit_method_changed": (
        "修改了课节", {"学时认定方式": ("课节页面上的有效学习时长", "参加本课程的线下课")}),
    "courses.study_policy_changed": ("修改了学习认定规则", {}),
    "exams.questions_exported": ("导出了题库", {"格式": ("", "Moodle XML")}),
    "certificates.ecert_exported": ("导出了电子证照元数据", {}),
    "certificates.holder_did_changed": (
        "修改了王芳的 DID", {"DID": ("—", "did:web:example.org:wang")}),
    "certificates.wallet_offer_created": ("数字钱包", {}),
    "certificates.wallet_credential_issued": ("持证人的数字钱包 于", {"格式": ("", "VC-JWT")}),
    "notifications.phone_verified": ("验证了接收短信的手机号码",
                                     {"接收短信的手机号码": ("—", "138****5678")}),
    "notifications.phone_removed": ("删除了接收短信的手机号码",
                                    {"接收短信的手机号码": ("138****5678", "—")}),
    "notifications.calendar_token_reset": ("重新生成了私人日历订阅地址", {}),
    "people.permissions_changed": ("修改了直接授予王芳的权限",
                                   {"直接授予的权限": ("—", "可添加用户")}),
}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_account_and_wallet_events_read_in_the_readers_language(account_and_wallet_events,
                                                                language):
    with translation.override(language):
        views = {v.event.action: v for v in describe_events(AuditEvent.objects.order_by("seq"))}
        phrases = {action: str(ACTION_PHRASES[action]) % {"subject": views[action].subject}
                   for action in EXPECTED_ZH}
    for action in EXPECTED_ZH:
        view = views[action]
        assert phrases[action] in view.sentence, view.sentence
        assert_readable(view.sentence)
        for change in view.changes:
            assert_readable(f"{change.label} {change.before} {change.after}")
            assert "13812345678" not in f"{change.before} {change.after}"
            if language == "zh-hans":  # no English label left (DID is the term in Chinese)
                assert CJK.search(change.label) or change.label == "DID", (action, change)
    if language == "en":
        assert views["courses.lesson_credit_method_changed"].changes[0].after == (
            "Attending an offline session of the course")
        return
    for action, (fragment, changes) in EXPECTED_ZH.items():
        view = views[action]
        assert fragment in view.sentence, (action, view.sentence)
        by_label = {c.label: (c.before, c.after) for c in view.changes}
        for label, values in changes.items():
            assert by_label[label] == values, (action, by_label)
    labels = {c.label for c in views["courses.study_policy_changed"].changes}
    assert labels == {"要求的有效学习时长（占预计时长的百分比）", "计入的最快播放倍速"}


def test_the_audit_filter_offers_the_account_and_wallet_events(client, mfa_enrolled,
                                                                account_and_wallet_events):
    auditor = UserFactory(roles=["auditor"])
    mfa_enrolled(auditor)
    client.force_login(auditor)
    page = client.get(reverse("talent:audit"), {"action": "notifications.phone_removed"})
    assert [e.action for e in page.context["page"].object_list] == [
        "notifications.phone_removed"]
    offered = dict(page.context["form"].fields["action"].choices)
    for action in EXPECTED_ZH:
        assert offered[action] != translation.gettext("changed a record")


def test_every_subject_link_names_a_model_and_a_page():
    from talent.selectors.event_fields import subject_model
    from talent.selectors.event_text import SUBJECT_URLS

    for subject_type, url_name in SUBJECT_URLS.items():
        assert subject_model(subject_type) is not None, subject_type
        assert reverse(url_name, args=[1])


def test_audit_sentences_link_to_their_subjects(client, mfa_enrolled):
    from tests.courses.factories import CourseFactory, OfflineSessionFactory
    from tests.talent.conftest import certificate_for

    broker = BrokerFactory(user__full_name="王芳")
    session = OfflineSessionFactory(title="技术合同登记实务")
    certificate = certificate_for(broker)
    audit_record(action="courses.session_created", subject=session)
    course = CourseFactory(title="技术转移概论")
    audit_record(action="courses.course_created", subject=course)
    audit_record(action="certificates.revoked", subject=certificate, person=broker,
                 after={"reason": "材料不实"})
    admin = UserFactory(roles=["admin"])
    mfa_enrolled(admin)
    client.force_login(admin)
    response = client.get(reverse("talent:audit"))
    html = response.content.decode()
    links = {view.event.action: (view.subject, view.subject_url)
             for view in response.context["events"]}
    assert links["courses.session_created"] == (
        "技术合同登记实务", reverse("courses:session_detail", args=[session.pk]))
    assert links["certificates.revoked"] == (
        certificate.serial, reverse("certificates:certificate_detail", args=[certificate.pk]))
    assert links["courses.course_created"] == (
        "技术转移概论", reverse("courses:course_edit", args=[course.pk]))
    assert links["people.roles_changed"][1] == ""  # a person's page is their dossier link
    for _subject, url in links.values():
        if not url:
            continue
        assert f'href="{url}"' in html
        assert client.get(url).status_code == 200, url
