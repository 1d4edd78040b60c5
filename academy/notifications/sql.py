"""The SQL of notifications that differs between PostgreSQL and the other databases (SQLite
in ``make run`` and most tests), in one place so that callers make no vendor test.

Each function does the same job everywhere. On PostgreSQL, delivery binds whole arrays as one
parameter (``= ANY(%b)``, ``unnest(...)``) in binary on the server, so a batch of thousands of
recipients or reminders costs one round trip, and ``INSERT ... RETURNING`` says which rows a
statement inserted; elsewhere the ORM does the same with ``IN (...)`` and ``bulk_create``
(reading the inserted reminders back by their batch token). The test suite runs on both, so
both branches run in CI.
"""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple

from django.db import connection

from .models import (
    ChannelPreference,
    Notification,
    NotificationPreference,
    QuietHoursOverride,
    Reminder,
    UserSettings,
)

#: (pk, recipient_id, kind, subject_type, subject_id, window, channel) of an inserted reminder.
InsertedReminder = tuple[int, int, str, str, int, str, str]


def _postgresql() -> bool:
    return connection.vendor == "postgresql"


def _pg(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Run ``sql`` on PostgreSQL with parameters bound on the server in binary (``%b``):
    arrays of thousands of values cost a fraction of quoting them into the SQL text."""
    import psycopg
    from django.db.backends.utils import CursorWrapper

    connection.ensure_connection()
    with CursorWrapper(psycopg.Cursor(connection.connection), connection) as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def recipients_read(ids: Sequence[int], kind_codes: set[str]
                    ) -> tuple[dict[int, tuple[str, bool, str]], dict[tuple[int, str], str],
                               dict[int, str]]:
    """Accounts (e-mail, active, name), preferences by (person, kind) and chosen languages of
    ``ids``: three queries."""
    from django.contrib.auth import get_user_model

    if _postgresql():
        # ``= ANY(array)``: one parameter instead of thousands of ``IN (%s, ...)``.
        users = {pk: (email, active, name) for pk, email, active, name in _pg(
            "SELECT id, email, is_active, full_name FROM people_user WHERE id = ANY(%b)",
            [list(ids)])}
        choices = {(user_id, kind): choice for user_id, kind, choice in _pg(
            "SELECT user_id, kind, choice FROM notifications_notificationpreference "
            "WHERE user_id = ANY(%b) AND kind = ANY(%b)", [list(ids), sorted(kind_codes)])}
        languages = dict(_pg(
            "SELECT user_id, language FROM notifications_usersettings "
            "WHERE user_id = ANY(%b) AND language <> ''", [list(ids)]))
        return users, choices, languages
    users = {
        pk: (email, active, name)
        for pk, email, active, name in get_user_model().objects.filter(pk__in=ids)
        .values_list("pk", "email", "is_active", "full_name")
    }
    choices = {
        (user_id, kind): choice
        for user_id, kind, choice in NotificationPreference.objects
        .filter(user_id__in=ids, kind__in=kind_codes).values_list("user_id", "kind", "choice")
    }
    languages = dict(
        UserSettings.objects.filter(user_id__in=ids).exclude(language="")
        .values_list("user_id", "language")
    )
    return users, choices, languages


def channel_choices_read(ids: Sequence[int], kind_codes: set[str]
                         ) -> Iterable[tuple[int, str, str]]:
    """(person, kind, channel) of every extra channel ``ids`` chose for ``kind_codes``."""
    if _postgresql():
        return _pg("SELECT user_id, kind, channel FROM notifications_channelpreference "
                   "WHERE user_id = ANY(%b) AND kind = ANY(%b)",
                   [list(ids), sorted(kind_codes)])
    return ChannelPreference.objects.filter(user_id__in=ids, kind__in=kind_codes) \
        .values_list("user_id", "kind", "channel")


def quiet_overrides_read(ids: Sequence[int], kind_codes: set[str]
                         ) -> Iterable[tuple[int, str, bool]]:
    """(person, kind, allowed) of every quiet-hours choice ``ids`` made for ``kind_codes``."""
    if _postgresql():
        return _pg("SELECT user_id, kind, allowed FROM notifications_quiethoursoverride "
                   "WHERE user_id = ANY(%b) AND kind = ANY(%b)",
                   [list(ids), sorted(kind_codes)])
    return QuietHoursOverride.objects.filter(user_id__in=ids, kind__in=kind_codes) \
        .values_list("user_id", "kind", "allowed")


def channel_contacts_read(people: Sequence[int]
                          ) -> Iterable[tuple[int, str, datetime.datetime | None, str]]:
    """(person, phone, phone verified at, WeCom id) of ``people`` who have settings."""
    if _postgresql():
        return _pg("SELECT user_id, sms_phone, sms_phone_verified_at, wecom_userid "
                   "FROM notifications_usersettings WHERE user_id = ANY(%b)", [list(people)])
    return UserSettings.objects.filter(user_id__in=people).values_list(
        "user_id", "sms_phone", "sms_phone_verified_at", "wecom_userid")


class ReminderValues(NamedTuple):
    """The column values of one reminder row to insert."""

    recipient_id: int
    kind: str
    subject_type: str
    subject_id: int
    window: str
    channel: str
    status: str
    context: Mapping[str, Any]
    context_json: str  # ``context`` encoded once (PostgreSQL casts it to jsonb)
    url: str
    language: str
    scheduled_for: datetime.datetime | None
    sent_at: datetime.datetime | None
    queued_at: datetime.datetime | None


_REMINDERS_UNNEST = (
    'INSERT INTO notifications_reminder (recipient_id, kind, subject_type, subject_id, "window", '
    "channel, status, context, url, language, scheduled_for, sent_at, queued_at, "
    "attempts, last_error, provider_id, receipt, created_at) "
    "SELECT r, k, st, si, w, ch, s, c::jsonb, u, l, sf, sa, q, 0, '', '', '', %b FROM unnest("
    "%b::bigint[], %b::varchar[], %b::varchar[], %b::bigint[], %b::varchar[], "
    "%b::varchar[], %b::varchar[], %b::text[], %b::varchar[], %b::varchar[], "
    "%b::timestamptz[], %b::timestamptz[], %b::timestamptz[]) "
    "AS t(r, k, st, si, w, ch, s, c, u, l, sf, sa, q) "
    'ON CONFLICT DO NOTHING RETURNING id, recipient_id, kind, subject_type, subject_id, '
    '"window", channel'
)


#: Where ``context`` sits in a row of ``ReminderValues``: PostgreSQL takes the JSON after it.
_CONTEXT = ReminderValues._fields.index("context")


def reminders_insert(rows: Sequence[tuple[Any, ...]], *, now: datetime.datetime
                     ) -> Iterable[InsertedReminder]:
    """Insert ``rows``, tuples of the values of ``ReminderValues`` in its order, with ON
    CONFLICT DO NOTHING (created at ``now``); returns the rows this call inserted, with their
    ids. Rows that existed already are left alone and not returned. Plain tuples: a sweep
    inserts tens of thousands, and a named tuple's constructor is a Python call each."""
    if _postgresql():
        # One INSERT ... SELECT FROM unnest(arrays) ... RETURNING: the database says which
        # rows it inserted, and thousands of rows cost one round trip.
        columns = [list(column) for column in zip(*rows, strict=True)]
        del columns[_CONTEXT]
        return _pg(_REMINDERS_UNNEST, [now, *columns])
    batch = uuid.uuid4()
    values = [ReminderValues(*row) for row in rows]
    Reminder.objects.bulk_create([
        Reminder(recipient_id=r.recipient_id, kind=r.kind, subject_type=r.subject_type,
                 subject_id=r.subject_id, window=r.window, channel=r.channel, status=r.status,
                 context=dict(r.context), url=r.url, language=r.language, created_at=now,
                 scheduled_for=r.scheduled_for, batch=batch, sent_at=r.sent_at,
                 queued_at=r.queued_at)
        for r in values
    ], ignore_conflicts=True)
    return Reminder.objects.filter(batch=batch).values_list(
        "pk", "recipient_id", "kind", "subject_type", "subject_id", "window", "channel")


def notifications_insert(rows: Sequence[tuple[int, str, str, str, str, str]], *,
                         now: datetime.datetime) -> None:
    """Insert in-app notifications, each (recipient, kind, title, body, url, context JSON),
    created at ``now``."""
    if _postgresql():
        recipients, kinds, titles, bodies, urls, contexts = (
            list(c) for c in zip(*rows, strict=True))
        _pg("INSERT INTO notifications_notification "
            "(recipient_id, kind, title, body, url, context, created_at) "
            "SELECT r, k, t, b, u, c::jsonb, %b FROM unnest(%b::bigint[], %b::varchar[], "
            "%b::varchar[], %b::text[], %b::varchar[], %b::text[]) AS n(r, k, t, b, u, c)",
            [now, recipients, kinds, titles, bodies, urls, contexts])
        return
    Notification.objects.bulk_create([
        Notification(recipient_id=r, kind=kind, title=title, body=body, url=url,
                     context=json.loads(context), created_at=now)
        for r, kind, title, body, url, context in rows
    ])


@contextmanager
def jit_off() -> Iterator[None]:
    """PostgreSQL's JIT compiler spends a second compiling each large sweep query, several
    times what running it takes: off while the block runs (on this connection only; left
    as it is inside a transaction). Elsewhere: nothing to tune."""
    if not _postgresql() or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET jit = off")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET jit")
