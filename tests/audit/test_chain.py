"""The audit trail: hash-chained, append-only, verified; role changes and staff logins recorded."""

from __future__ import annotations

import threading

import pytest
from django.contrib.admin.sites import site as admin_site
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, transaction
from django.forms import MultiWidget
from django.test import RequestFactory
from django.urls import reverse

from academy.audit.models import GENESIS_HASH, AppendOnlyError, AuditChainHead, AuditEvent
from academy.audit.selectors import audit_chain_verify
from academy.audit.services import audit_record
from academy.people.services import user_set_roles
from tests.audit.tamper import audit_tamper
from tests.factories import PASSWORD, BrokerFactory, UserFactory, totp_enrol

pytestmark = pytest.mark.django_db


def _record_three() -> list[AuditEvent]:
    # Start from whatever the factories recorded (role changes), then add three.
    return [
        audit_record(action=f"test.event_{n}", after={"n": n, "名称": "三门峡"}, actor_label="test")
        for n in range(3)
    ]


# --- The chain ----------------------------------------------------------------------------------


def test_audit_record_builds_a_chain():
    events = _record_three()
    ordered = list(AuditEvent.objects.order_by("seq"))
    assert [e.seq for e in ordered] == list(range(1, len(ordered) + 1))
    assert ordered[0].prev_hash == GENESIS_HASH
    for before, after in zip(ordered, ordered[1:], strict=False):
        assert after.prev_hash == before.hash
    head = AuditChainHead.objects.get(pk=1)
    assert (head.seq, head.hash) == (events[-1].seq, events[-1].hash)


def test_verify_reports_an_intact_chain():
    _record_three()
    report = audit_chain_verify()
    assert report.ok
    assert report.checked == AuditEvent.objects.count()


def test_verify_names_the_edited_event():
    events = _record_three()
    middle = events[1]
    audit_tamper("UPDATE audit_auditevent SET subject_label = %s WHERE seq = %s", ["forged", middle.seq])
    report = audit_chain_verify()
    assert not report.ok
    assert report.first_broken_seq == middle.seq
    assert "content" in report.reason


def test_verify_names_an_edited_before_after_payload():
    events = _record_three()
    audit_tamper("UPDATE audit_auditevent SET after = %s WHERE seq = %s", ['{"n": 99}', events[0].seq])
    assert audit_chain_verify().first_broken_seq == events[0].seq


def test_verify_names_the_gap_left_by_a_deleted_row():
    events = _record_three()
    middle = events[1]
    audit_tamper("DELETE FROM audit_auditevent WHERE seq = %s", [middle.seq])
    report = audit_chain_verify()
    assert not report.ok
    assert report.first_broken_seq == middle.seq
    assert "missing" in report.reason


def test_verify_notices_a_removed_tail():
    events = _record_three()
    audit_tamper("DELETE FROM audit_auditevent WHERE seq = %s", [events[-1].seq])
    report = audit_chain_verify()
    assert not report.ok
    assert report.first_broken_seq == events[-1].seq


def test_the_command_succeeds_on_an_intact_chain(capsys):
    _record_three()
    call_command("audit_verify")
    assert "intact" in capsys.readouterr().out


def test_the_command_exits_non_zero_naming_the_broken_link():
    events = _record_three()
    audit_tamper("UPDATE audit_auditevent SET action = %s WHERE seq = %s", ["forged", events[1].seq])
    with pytest.raises(CommandError, match=rf"#{events[1].seq}\b"):
        call_command("audit_verify")
    from academy.audit.management.commands.audit_verify import Command

    with pytest.raises(SystemExit) as exited:
        Command().run_from_argv(["manage.py", "audit_verify"])
    assert exited.value.code != 0


# --- Append-only ----------------------------------------------------------------------------------


def test_the_model_refuses_to_update_an_event():
    event = audit_record(action="test.event", actor_label="test")
    event.subject_label = "changed"
    with pytest.raises(AppendOnlyError):
        event.save()


def test_the_model_refuses_to_delete_an_event():
    event = audit_record(action="test.event", actor_label="test")
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_the_database_rejects_a_raw_update_on_sqlite_too():
    if connection.vendor != "sqlite":
        pytest.skip("covered by test_postgres_trigger_rejects_raw_update_and_delete")
    event = audit_record(action="test.event", actor_label="test")
    from django.db import IntegrityError

    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET action = 'forged' WHERE seq = %s", [event.seq]
        )


def test_the_admin_offers_no_add_change_or_delete():
    admin = UserFactory(roles=["admin"])
    request = RequestFactory().get("/")
    request.user = admin
    model_admin = admin_site._registry[AuditEvent]
    event = audit_record(action="test.event", actor_label="test")
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, event)
    assert not model_admin.has_delete_permission(request, event)
    assert model_admin.has_view_permission(request, event)


def test_the_admin_pages_show_events_read_only(client):
    admin = UserFactory(roles=["admin"])
    totp_enrol(admin)
    client.force_login(admin)
    event = audit_record(action="test.event", actor_label="test")
    assert client.get(reverse("admin:audit_auditevent_changelist")).status_code == 200
    change_url = reverse("admin:audit_auditevent_change", args=[event.pk])
    page = client.get(change_url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert client.post(change_url, {"action": "forged"}).status_code == 403
    assert client.get(reverse("admin:audit_auditevent_add")).status_code == 403
    assert client.get(reverse("admin:audit_auditevent_delete", args=[event.pk])).status_code == 403
    event.refresh_from_db()
    assert event.action == "test.event"


# --- What is recorded -------------------------------------------------------------------------------


def _role_events(user) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(action="people.roles_changed", subject_id=str(user.pk))
        .order_by("seq")
    )


def test_a_role_change_through_the_service_is_recorded():
    user = UserFactory(roles=["broker"])
    actor = UserFactory(roles=["admin"])
    from academy.audit import context

    request = RequestFactory().get("/")
    request.user = actor
    token = context.activate(context.RequestContext(request_id="req-123456", request=request))
    try:
        user_set_roles(user=user, roles=["broker", "trainer"])
    finally:
        context.deactivate(token)
    event = _role_events(user)[-1]
    assert event.before == {"roles": ["broker"], "is_staff": False, "is_superuser": False}
    assert event.after == {"roles": ["broker", "trainer"], "is_staff": False,
                           "is_superuser": False}
    assert event.actor_id == actor.pk
    assert event.person_id == user.pk
    assert event.request_id == "req-123456"
    assert audit_chain_verify().ok


def test_setting_the_same_roles_again_records_nothing_new():
    user = UserFactory(roles=["auditor"])
    count = len(_role_events(user))
    user_set_roles(user=user, roles=["auditor"])
    assert len(_role_events(user)) == count


def _admin_change_form_data(response) -> dict:
    """The POST body the admin's change form would send back unchanged."""
    data: dict = {}

    def add_form(form) -> None:
        for name, field in form.fields.items():
            if field.disabled:
                continue
            key = form.add_prefix(name)
            value = form[name].value()
            if isinstance(field.widget, MultiWidget):
                parts = field.widget.decompress(value)
                for i, part in enumerate(parts):
                    data[f"{key}_{i}"] = "" if part is None else str(part)
            elif isinstance(value, bool):
                if value:
                    data[key] = "on"
            elif isinstance(value, list | tuple):
                data[key] = [str(v) for v in value]
            elif value is not None:
                data[key] = str(value)

    add_form(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        add_form(formset.management_form)
        for form in formset.forms:
            add_form(form)
    return data


def test_a_role_change_in_the_django_admin_is_recorded(client):
    from django.contrib.auth.models import Group

    admin = UserFactory(roles=["admin"])
    totp_enrol(admin)
    target = UserFactory(roles=["trainer"])
    client.force_login(admin)
    url = reverse("admin:people_user_change", args=[target.pk])
    data = _admin_change_form_data(client.get(url))
    data["groups"] = [str(g.pk) for g in Group.objects.filter(name__in=["trainer", "auditor"])]
    data["_save"] = "Save"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    event = _role_events(target)[-1]
    assert event.before == {"roles": ["trainer"]}
    assert event.after == {"roles": ["auditor", "trainer"]}
    assert event.actor_id == admin.pk
    assert audit_chain_verify().ok


def _level_events(profile):
    return list(AuditEvent.objects.filter(action="people.level_changed",
                                          subject_id=str(profile.pk)).order_by("pk"))


@pytest.mark.parametrize("page", ["profile", "user"])
def test_a_level_corrected_in_the_admin_is_recorded(client, page):
    """Issuance records the promotions it makes; an admin's correction is recorded too, on
    the profile's own page and in the user page's inline, and an unchanged save is not."""
    from academy.people.models import Level

    admin = UserFactory(roles=["admin"])
    totp_enrol(admin)
    broker = BrokerFactory()
    profile = broker.broker_profile
    junior = profile.level
    higher = Level.objects.filter(rank__gt=junior.rank).order_by("rank").first()
    client.force_login(admin)
    if page == "profile":
        url = reverse("admin:people_brokerprofile_change", args=[profile.pk])
        prefix = ""
    else:
        url = reverse("admin:people_user_change", args=[broker.pk])
        prefix = "broker_profile-0-"
    data = _admin_change_form_data(client.get(url))
    data["_save"] = "Save"
    assert client.post(url, data).status_code == 302
    assert _level_events(profile) == []

    data[f"{prefix}level"] = str(higher.pk)
    response = client.post(url, data)
    assert response.status_code == 302
    [event] = _level_events(profile)
    assert event.before["level"] == junior.code
    assert event.after["level"] == higher.code
    assert event.after["source"] == "admin"
    assert event.actor_id == admin.pk
    assert audit_chain_verify().ok


def test_staff_login_is_recorded(client):
    cache.clear()
    user = UserFactory(roles=["trainer"])
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    events = AuditEvent.objects.filter(action="auth.staff_login", actor_id=user.pk)
    assert events.count() == 1
    assert events.get().ip_address == "127.0.0.1"


def test_broker_login_is_not_recorded(client):
    cache.clear()
    user = BrokerFactory()
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action="auth.staff_login", actor_id=user.pk).exists()


# --- PostgreSQL ---------------------------------------------------------------------------------


@pytest.mark.postgres
def test_postgres_trigger_rejects_raw_update_and_delete(postgres):
    from django.db import DatabaseError

    event = audit_record(action="test.event", actor_label="test")
    for sql in (
        "UPDATE audit_auditevent SET action = 'forged' WHERE seq = %s",
        "DELETE FROM audit_auditevent WHERE seq = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            postgres.cursor() as cursor,
        ):
            cursor.execute(sql, [event.seq])
    event.refresh_from_db()
    assert event.action == "test.event"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgres_concurrent_appends_keep_one_valid_chain(postgres):
    threads_n, per_thread = 4, 10
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads_n)

    def append(worker: int) -> None:
        try:
            barrier.wait(timeout=10)
            for n in range(per_thread):
                with transaction.atomic():
                    audit_record(action="test.concurrent", after={"worker": worker, "n": n},
                                 actor_label=f"worker-{worker}")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=append, args=(w,)) for w in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert AuditEvent.objects.filter(action="test.concurrent").count() == threads_n * per_thread
    report = audit_chain_verify()
    assert report.ok, report
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
