"""Delivering notifications: at most once, never lost, in batches.

``notify`` (one occasion, many people) and ``notices_deliver`` (many occasions at once, what
the sweeps use) do the same thing, set-based, a fixed number of queries per batch:

1. read the recipients' accounts, preferences and languages (three queries);
2. insert one ``Reminder`` row per person and channel with ``INSERT ... ON CONFLICT DO
   NOTHING`` — the unique constraint on (person, kind, subject, window, channel) makes a
   second insert of the same reminder a no-op, whoever attempts it (a sweep run twice, two
   beat processes, a signal and the safety-net sweep);
3. read back the rows *this call* inserted (they carry its batch token) and deliver only
   those: in-app notifications are written in the same transaction; e-mails are handed to the
   ``reminder_send`` task after commit (non-urgent ones wait for the end of quiet hours);
   digest items wait for the daily digest.

Sending an e-mail (``reminder_send``) locks the row (``SKIP LOCKED``), sends, and records the
outcome in the same transaction; a temporary failure is retried with backoff, a permanent one
recorded for administrators, who may re-send it. ``reminders_send_due`` hands over again
whatever is due and was never (or long ago) handed to a task, so nothing is forgotten.
"""

from __future__ import annotations

import datetime
import json
import logging
import smtplib
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Q
from django.utils import timezone

from academy.audit.services import audit_record

from . import conf
from . import kinds as k
from .kinds import get_kind
from .models import Notification, NotificationPreference, Reminder, UserSettings
from .rendering import Renderer, language_or_default, reminder_email, site_path

logger = logging.getLogger(__name__)

# --- What to deliver ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Notice:
    """One reminder for one person: the unit the sweeps produce."""

    recipient_id: int
    kind: str
    window: str
    subject_type: str = ""
    subject_id: int = 0
    context: Mapping[str, Any] = field(default_factory=dict)
    url: str = ""

    @property
    def key(self) -> tuple[int, str, str, int, str]:
        return (self.recipient_id, self.kind, self.subject_type, self.subject_id, self.window)


@dataclass
class DeliveryResult:
    """What a delivery call did: reminders created per channel (rows that existed already
    are not counted: they were delivered, or are being delivered, by someone else)."""

    created: int = 0
    people: int = 0  # distinct recipients of the created rows (summed over batches)
    inapp: int = 0
    email: int = 0
    digest: int = 0
    email_ids: list[int] = field(default_factory=list, repr=False)

    def __iadd__(self, other: DeliveryResult) -> DeliveryResult:
        self.created += other.created
        self.people += other.people
        self.inapp += other.inapp
        self.email += other.email
        self.digest += other.digest
        self.email_ids.extend(other.email_ids)
        return self


def subject_key(subject: Any) -> tuple[str, int]:
    """``(type, id)`` of what a reminder is about: a model instance, a pair, or None."""
    if subject is None:
        return "", 0
    if isinstance(subject, tuple):
        return str(subject[0]), int(subject[1])
    if isinstance(subject, models.Model):
        return subject._meta.label_lower, int(subject.pk)
    raise TypeError(f"Not a reminder subject: {subject!r}")


def batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


# --- Time: quiet hours, digest time, backoff -----------------------------------------------------


def _clock(value: str) -> datetime.time:
    hours, minutes = str(value).split(":", 1)
    return datetime.time(int(hours), int(minutes))


def _at(local: datetime.datetime, clock: datetime.time) -> datetime.datetime:
    """``local``'s date at ``clock``, aware, in the current time zone."""
    naive = datetime.datetime.combine(local.date(), clock)
    return timezone.make_aware(naive, timezone.get_current_timezone())


def quiet_until(now: datetime.datetime) -> datetime.datetime | None:
    """The end of the quiet hours ``now`` falls in, or None outside them."""
    start = _clock(conf.get("ACADEMY_NOTIFY_QUIET_START"))
    end = _clock(conf.get("ACADEMY_NOTIFY_QUIET_END"))
    if start == end:
        return None
    local = timezone.localtime(now)
    moment = local.time()
    quiet = (start <= moment < end) if start < end else (moment >= start or moment < end)
    if not quiet:
        return None
    until = _at(local, end)
    if until <= local:
        until = _at(local + datetime.timedelta(days=1), end)
    return until


def next_digest_at(now: datetime.datetime) -> datetime.datetime:
    """The next daily digest time after ``now``."""
    local = timezone.localtime(now)
    at = _at(local, _clock(conf.get("ACADEMY_NOTIFY_DIGEST_TIME")))
    if at <= local:
        at = _at(local + datetime.timedelta(days=1), _clock(conf.get("ACADEMY_NOTIFY_DIGEST_TIME")))
    return at


def retry_delay(attempts: int) -> int:
    """Seconds before delivery attempt ``attempts + 1``: doubling from the first delay."""
    first = conf.get("ACADEMY_NOTIFY_RETRY_SECONDS")
    return min(first * 2 ** max(attempts - 1, 0), conf.get("ACADEMY_NOTIFY_RETRY_MAX_SECONDS"))


# --- Delivery ------------------------------------------------------------------------------------


def notify(
    *,
    recipients: Iterable[Any],
    kind: str,
    subject: Any = None,
    window: str,
    context: Mapping[str, Any] | None = None,
    url: str = "",
    now: datetime.datetime | None = None,
) -> DeliveryResult:
    """Remind ``recipients`` (users or their ids) of ``subject`` for ``window``, once each.

    ``context`` goes to the kind's templates (JSON-serialisable: it is stored for e-mails
    sent later); ``url`` is the page the reminder leads to (a path on this site).
    """
    subject_type, subject_id = subject_key(subject)
    notices = (
        Notice(recipient_id=getattr(r, "pk", r), kind=kind, window=window,
               subject_type=subject_type, subject_id=subject_id,
               context=context or {}, url=url)
        for r in recipients
    )
    return notices_deliver(notices=notices, now=now)


def notices_deliver(*, notices: Iterable[Notice], now: datetime.datetime | None = None,
                    batch_size: int | None = None) -> DeliveryResult:
    """Deliver ``notices`` (any number: handled in batches of a fixed number of queries)."""
    now = now or timezone.now()
    size = batch_size or conf.get("ACADEMY_NOTIFY_BATCH_SIZE")
    result = DeliveryResult()
    renderer = Renderer()
    paths: dict[str, str] = {}
    for chunk in batched(notices, size):
        result += _deliver_batch(chunk, now=now, renderer=renderer, paths=paths)
    return result


def _pg(sql: str, params: Sequence[Any]) -> list[tuple]:
    """Run ``sql`` on PostgreSQL with parameters bound on the server in binary (``%b``):
    arrays of thousands of values cost a fraction of quoting them into the SQL text."""
    import psycopg
    from django.db.backends.utils import CursorWrapper

    connection.ensure_connection()
    with CursorWrapper(psycopg.Cursor(connection.connection), connection) as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def _recipients(ids: Sequence[int], kind_codes: set[str]
                ) -> tuple[dict[int, tuple[str, bool, str]], dict[tuple[int, str], str],
                           dict[int, str]]:
    """Accounts, preferences and languages of ``ids``: three queries."""
    from django.contrib.auth import get_user_model

    if connection.vendor == "postgresql":
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


@dataclass
class _Row:
    """A reminder row about to be inserted (lighter than a model instance)."""

    recipient_id: int
    kind: str
    subject_type: str
    subject_id: int
    window: str
    channel: str
    context: Mapping[str, Any]
    context_json: str
    url: str
    language: str
    scheduled_for: datetime.datetime | None
    pk: int | None = None

    @property
    def key(self) -> tuple[int, str, str, int, str, str]:
        return (self.recipient_id, self.kind, self.subject_type, self.subject_id, self.window,
                self.channel)


def _deliver_batch(notices: list[Notice], *, now: datetime.datetime, renderer: Renderer,
                   paths: dict[str, str]) -> DeliveryResult:
    unique: dict[tuple, Notice] = {}
    for notice in notices:
        unique.setdefault(notice.key, notice)
    ids = sorted({n.recipient_id for n in unique.values()})
    kind_codes = {n.kind for n in unique.values()}
    users, choices, languages = _recipients(ids, kind_codes)
    quiet = quiet_until(now)
    digest_at = next_digest_at(now)

    rows: list[_Row] = []
    channels_of: dict[tuple[str, str | None], tuple[str, ...]] = {}
    # Context JSON by the context's id: notices may share one context object, and every
    # notice of the batch is alive (in ``unique``) while this runs, so ids are not reused.
    encoded: dict[int, str] = {}
    for notice in unique.values():
        account = users.get(notice.recipient_id)
        if account is None or not account[1]:
            continue  # deleted or deactivated: nobody to tell
        choice = choices.get((notice.recipient_id, notice.kind))
        channels = channels_of.get((notice.kind, choice))
        if channels is None:
            channels = channels_of[(notice.kind, choice)] = tuple(
                sorted(get_kind(notice.kind).channels(choice)))
        if not account[0]:
            channels = tuple(c for c in channels if c == k.INAPP)
        if not channels:
            continue
        if notice.url not in paths:
            paths[notice.url] = site_path(notice.url)
        context_json = encoded.get(id(notice.context))
        if context_json is None:
            context_json = json.dumps(notice.context, ensure_ascii=False, sort_keys=True,
                                      default=str)
            encoded[id(notice.context)] = context_json
        language = language_or_default(languages.get(notice.recipient_id))
        urgent = get_kind(notice.kind).urgent
        for channel in channels:
            scheduled = None
            if channel == k.EMAIL and not urgent:
                scheduled = quiet
            elif channel == k.DIGEST:
                scheduled = digest_at
            rows.append(_Row(notice.recipient_id, notice.kind, notice.subject_type,
                             notice.subject_id, notice.window, channel, notice.context,
                             context_json, paths[notice.url], language, scheduled))
    result = DeliveryResult()
    if not rows:
        return result

    with transaction.atomic():
        created = _insert_reminders(rows, now=now)
        inapp: list[tuple[int, str, str, str, str, str]] = []
        email_now: list[int] = []
        people: set[int] = set()
        for row in created:
            result.created += 1
            people.add(row.recipient_id)
            if row.channel == k.INAPP:
                title, body = renderer.title_body(get_kind(row.kind), row.context, row.language,
                                                  row.context_json)
                inapp.append((row.recipient_id, row.kind, title, body, row.url, row.context_json))
            elif row.channel == k.EMAIL:
                result.email += 1
                if row.scheduled_for is None:
                    email_now.append(row.pk)
            else:
                result.digest += 1
        result.people = len(people)
        if inapp:
            _insert_notifications(inapp, now=now)
            result.inapp = len(inapp)
        if email_now:
            result.email_ids = email_now
            transaction.on_commit(lambda ids=email_now: reminders_enqueue(ids))
    return result


def _insert_reminders(rows: list[_Row], *, now: datetime.datetime) -> list[_Row]:
    """Insert ``rows`` with ON CONFLICT DO NOTHING; returns those this statement inserted
    (with their ids). In-app rows are inserted as sent: their notification is written in the
    same transaction. E-mails to send now are marked queued (handed over on commit)."""
    sent = Reminder.Status.SENT
    pending = Reminder.Status.PENDING
    if connection.vendor == "postgresql":
        # One INSERT ... SELECT FROM unnest(arrays) ... RETURNING: the database says which
        # rows it inserted, and thousands of rows cost one round trip.
        columns = list(zip(*(
            (r.recipient_id, r.kind, r.subject_type, r.subject_id, r.window, r.channel,
             sent if r.channel == k.INAPP else pending,
             r.context_json, r.url, r.language,
             r.scheduled_for, now if r.channel == k.INAPP else None,
             now if r.channel == k.EMAIL and r.scheduled_for is None else None)
            for r in rows), strict=True))
        sql = (
            'INSERT INTO notifications_reminder (recipient_id, kind, subject_type, subject_id, "window", '
            "channel, status, context, url, language, scheduled_for, sent_at, queued_at, "
            "attempts, last_error, created_at) "
            "SELECT r, k, st, si, w, ch, s, c::jsonb, u, l, sf, sa, q, 0, '', %b FROM unnest("
            "%b::bigint[], %b::varchar[], %b::varchar[], %b::bigint[], %b::varchar[], "
            "%b::varchar[], %b::varchar[], %b::text[], %b::varchar[], %b::varchar[], "
            "%b::timestamptz[], %b::timestamptz[], %b::timestamptz[]) "
            "AS t(r, k, st, si, w, ch, s, c, u, l, sf, sa, q) "
            'ON CONFLICT DO NOTHING RETURNING id, recipient_id, kind, subject_type, subject_id, '
            '"window", channel'
        )
        inserted = _pg(sql, [now, *(list(column) for column in columns)])
    else:
        batch = uuid.uuid4()
        Reminder.objects.bulk_create([
            Reminder(recipient_id=r.recipient_id, kind=r.kind, subject_type=r.subject_type,
                     subject_id=r.subject_id, window=r.window, channel=r.channel,
                     status=sent if r.channel == k.INAPP else pending,
                     context=dict(r.context), url=r.url, language=r.language,
                     created_at=now, scheduled_for=r.scheduled_for, batch=batch,
                     sent_at=now if r.channel == k.INAPP else None,
                     queued_at=now if r.channel == k.EMAIL and r.scheduled_for is None
                     else None)
            for r in rows
        ], ignore_conflicts=True)
        inserted = Reminder.objects.filter(batch=batch).values_list(
            "pk", "recipient_id", "kind", "subject_type", "subject_id", "window", "channel")
    by_key = {r.key: r for r in rows}
    created = []
    for pk, *key in inserted:
        row = by_key[tuple(key)]
        row.pk = pk
        created.append(row)
    return created


def _insert_notifications(rows: list[tuple[int, str, str, str, str, str]], *,
                          now: datetime.datetime) -> None:
    if connection.vendor == "postgresql":
        recipients, kinds, titles, bodies, urls, contexts = (
            list(c) for c in zip(*rows, strict=True))
        _pg("INSERT INTO notifications_notification "
            "(recipient_id, kind, title, body, url, context, created_at) "
            "SELECT r, k, t, b, u, c::jsonb, %b FROM unnest(%b::bigint[], %b::varchar[], "
            "%b::varchar[], %b::text[], %b::varchar[], %b::text[]) AS n(r, k, t, b, u, c)",
            [now, recipients, kinds, titles, bodies, urls, contexts])
    else:
        Notification.objects.bulk_create([
            Notification(recipient_id=r, kind=kind, title=title, body=body, url=url,
                         context=json.loads(context), created_at=now)
            for r, kind, title, body, url, context in rows
        ])


#: E-mails handed to one task: a sweep's tens of thousands of e-mails are a few hundred
#: messages on the broker, and each task sends its share over one SMTP connection.
SEND_CHUNK = 100


def reminders_enqueue(ids: Sequence[int]) -> None:
    """Hand e-mail reminders to Celery: ``reminder_send`` for one, ``reminders_send_many``
    for chunks of many. A broker outage is logged, not raised: the rows stay pending and
    ``reminders_send_due`` hands them over later."""
    from .tasks import reminder_send, reminders_send_many

    try:
        if len(ids) == 1:
            reminder_send.delay(ids[0])
            return
        for start in range(0, len(ids), SEND_CHUNK):
            reminders_send_many.delay(list(ids[start:start + SEND_CHUNK]))
    except Exception:  # noqa: BLE001 - Redis down: the rows are picked up again later
        logger.exception("Could not queue %s reminder e-mails; they will be queued again",
                         len(ids))


# --- Sending e-mails -----------------------------------------------------------------------------

#: Failures of the mail server or the network that may pass: retried with backoff.
TEMPORARY_ERRORS: tuple[type[BaseException], ...] = (smtplib.SMTPException, OSError)
#: Failures that will not pass by themselves: recorded at once for an administrator.
#: (A wrong password or sender address is retried: an administrator may fix the settings
#: within the backoff, and re-send what failed meanwhile.)
PERMANENT_ERRORS: tuple[type[BaseException], ...] = (smtplib.SMTPRecipientsRefused,)


class DeliveryDeferred(Exception):
    """The e-mail could not be sent now; try again in ``countdown`` seconds."""

    def __init__(self, reminder_id: int, countdown: int, error: str) -> None:
        super().__init__(f"reminder {reminder_id}: {error} (retry in {countdown}s)")
        self.reminder_id = reminder_id
        self.countdown = countdown


def reminder_send(*, reminder_id: int, now: datetime.datetime | None = None,
                  connection: Any = None) -> str:
    """Send the e-mail of reminder ``reminder_id`` if it is still pending and due.

    Returns what happened: ``sent``, ``failed`` (permanently; recorded), ``skipped`` (the
    person was deactivated or has no address), ``not-due`` (quiet hours or backoff), ``done``
    (sent, failed or skipped before) or ``busy`` (another worker holds it right now). Raises
    ``DeliveryDeferred`` after a temporary failure, once the attempt is recorded.
    ``connection``: an open mail connection to reuse (for many messages in a row).

    The row is locked (``SKIP LOCKED``) while the message goes out and marked sent in the same
    transaction, so two tasks for one reminder send it once. A worker killed mid-send rolls
    the transaction back and the redelivered task sends again: at most that one message can
    go twice (with the same Message-ID, by which mail systems recognise it).
    """
    now = now or timezone.now()
    deferred: DeliveryDeferred | None = None
    with transaction.atomic():
        reminder = (
            Reminder.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient").filter(pk=reminder_id).first()
        )
        if reminder is None:
            return "busy" if Reminder.objects.filter(pk=reminder_id).exists() else "done"
        if reminder.status != Reminder.Status.PENDING or reminder.channel != k.EMAIL:
            return "done"
        if reminder.scheduled_for is not None and reminder.scheduled_for > now:
            return "not-due"
        user = reminder.recipient
        if not user.is_active or not user.email:
            reminder.status = Reminder.Status.SKIPPED
            reminder.last_error = "inactive account" if not user.is_active else "no address"
            reminder.save(update_fields=["status", "last_error"])
            return "skipped"
        reminder.attempts += 1
        fields = ["attempts", "status", "sent_at", "last_error", "scheduled_for", "queued_at"]
        try:
            message = reminder_email(reminder)
            message.connection = connection
            message.send()
        except PERMANENT_ERRORS as exc:
            reminder.status = Reminder.Status.FAILED
            reminder.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            reminder.save(update_fields=fields)
            logger.warning("Reminder %s failed for good: %s", reminder_id, reminder.last_error)
            return "failed"
        except TEMPORARY_ERRORS as exc:
            reminder.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if reminder.attempts >= conf.get("ACADEMY_NOTIFY_MAX_ATTEMPTS"):
                reminder.status = Reminder.Status.FAILED
                reminder.save(update_fields=fields)
                logger.warning("Reminder %s failed after %s attempts: %s", reminder_id,
                               reminder.attempts, reminder.last_error)
                return "failed"
            countdown = retry_delay(reminder.attempts)
            reminder.scheduled_for = now + datetime.timedelta(seconds=countdown)
            # The retry is expected then: reminders_send_due leaves it to the task till after.
            reminder.queued_at = reminder.scheduled_for
            reminder.save(update_fields=fields)
            deferred = DeliveryDeferred(reminder_id, countdown, reminder.last_error)
        except Exception as exc:  # a template or data error: an administrator must look
            logger.exception("Reminder %s could not be rendered or sent", reminder_id)
            reminder.status = Reminder.Status.FAILED
            reminder.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            reminder.save(update_fields=fields)
            return "failed"
        else:
            reminder.status = Reminder.Status.SENT
            reminder.sent_at = now
            reminder.last_error = ""
            reminder.save(update_fields=fields)
            return "sent"
    assert deferred is not None
    raise deferred


def reminders_send_many(*, reminder_ids: Sequence[int]) -> dict[str, Any]:
    """Send several e-mail reminders over one mail connection (``reminder_send`` each).

    Returns ``{"outcomes": {outcome: count}, "deferred": [(id, countdown), ...]}``: the
    caller retries the deferred ones one by one after their backoff. A temporary failure
    drops the connection, so the next message opens a fresh one.
    """
    from django.core.mail import get_connection

    outcomes: dict[str, int] = defaultdict(int)
    deferred: list[tuple[int, int]] = []
    connection = get_connection()
    try:
        for reminder_id in reminder_ids:
            try:
                outcome = reminder_send(reminder_id=reminder_id, connection=connection)
            except DeliveryDeferred as exc:
                outcome = "deferred"
                deferred.append((reminder_id, exc.countdown))
                connection.close()
                connection = get_connection()
            outcomes[outcome] += 1
    finally:
        connection.close()
    return {"outcomes": dict(outcomes), "deferred": deferred}


def reminders_send_due(*, now: datetime.datetime | None = None, limit: int = 5000) -> int:
    """Queue the e-mails that are due and not with a task: quiet hours over, a retry whose
    task was lost, a task never queued (the broker was down at commit). Returns how many.

    Marks them queued in the same statement's transaction, so two runs at once do not both
    queue a reminder (and if both did, ``reminder_send``'s lock sends it once).
    """
    now = now or timezone.now()
    stale = now - datetime.timedelta(seconds=conf.get("ACADEMY_NOTIFY_STALE_SECONDS"))
    with transaction.atomic():
        ids = list(
            Reminder.objects.select_for_update(skip_locked=True)
            .filter(channel=k.EMAIL, status=Reminder.Status.PENDING)
            .filter(Q(scheduled_for__isnull=True) | Q(scheduled_for__lte=now))
            .filter(Q(queued_at__isnull=True) | Q(queued_at__lte=stale))
            .order_by("scheduled_for", "pk").values_list("pk", flat=True)[:limit]
        )
        if ids:
            Reminder.objects.filter(pk__in=ids).update(queued_at=now)
            transaction.on_commit(lambda: reminders_enqueue(ids))
    return len(ids)


def digests_send(*, now: datetime.datetime | None = None, batch_size: int | None = None) -> int:
    """Gather each person's due digest items into one ``daily_digest`` e-mail. Returns how
    many digests were created.

    The items are locked (``SKIP LOCKED``), the digest reminder is inserted (unique per
    person and set of items) and the items marked sent with a link to it, in one
    transaction: run twice, the second run finds no due items.
    """
    now = now or timezone.now()
    size = batch_size or conf.get("ACADEMY_NOTIFY_BATCH_SIZE")
    due = Reminder.objects.filter(channel=k.DIGEST, status=Reminder.Status.PENDING,
                                  scheduled_for__lte=now)
    renderer = Renderer()
    created = 0
    while True:
        with transaction.atomic():
            items = list(
                due.select_for_update(skip_locked=True).order_by("recipient_id", "pk")
                .values("pk", "recipient_id", "kind", "context", "url", "language")[:size]
            )
            if not items:
                return created
            grouped: dict[int, list[dict[str, Any]]] = defaultdict(list)
            for item in items:
                grouped[item["recipient_id"]].append(item)
            notices = []
            for recipient_id, own in grouped.items():
                language = own[0]["language"]
                entries = []
                for item in own:
                    title, _body = renderer.title_body(get_kind(item["kind"]), item["context"],
                                                       language)
                    entries.append({"title": title, "url": item["url"]})
                notices.append(Notice(
                    recipient_id=recipient_id, kind=k.DAILY_DIGEST.code,
                    subject_type=settings.AUTH_USER_MODEL.lower(), subject_id=recipient_id,
                    window=f"digest-{timezone.localdate(now):%Y-%m-%d}-{own[-1]['pk']}",
                    context={"items": entries, "count": len(entries)},
                ))
            result = notices_deliver(notices=notices, now=now)
            created += result.created
            digest_of = dict(
                Reminder.objects.filter(kind=k.DAILY_DIGEST.code, channel=k.EMAIL,
                                        window__in=[n.window for n in notices],
                                        recipient_id__in=list(grouped))
                .values_list("recipient_id", "pk")
            )
            updates = [Reminder(pk=item["pk"], status=Reminder.Status.SENT, sent_at=now,
                                digest_id=digest_of.get(item["recipient_id"]))
                       for item in items]
            Reminder.objects.bulk_update(updates, ["status", "sent_at", "digest"])
        if len(items) < size:
            return created


def reminders_resend(*, reminder_ids: Iterable[int], actor: Any) -> int:
    """An administrator sends failed (or skipped) e-mail reminders again. Audited; returns
    how many were queued. Sent reminders are never sent twice."""
    with transaction.atomic():
        reminders = list(
            Reminder.objects.select_for_update()
            .filter(pk__in=list(reminder_ids), channel=k.EMAIL,
                    status__in=[Reminder.Status.FAILED, Reminder.Status.SKIPPED])
        )
        now = timezone.now()
        for reminder in reminders:
            audit_record(
                action="notifications.reminder_resent", subject=reminder,
                person=reminder.recipient_id, actor=actor,
                before={"status": reminder.status, "attempts": reminder.attempts,
                        "last_error": reminder.last_error},
                after={"status": Reminder.Status.PENDING},
            )
            reminder.status = Reminder.Status.PENDING
            reminder.attempts = 0
            reminder.scheduled_for = None
            reminder.queued_at = now
        Reminder.objects.bulk_update(reminders, ["status", "attempts", "scheduled_for",
                                                 "queued_at"])
        ids = [r.pk for r in reminders]
        if ids:
            transaction.on_commit(lambda: reminders_enqueue(ids))
    return len(ids)


# --- The person's own notifications and preferences ---------------------------------------------


def notification_mark_read(*, user: Any, notification_id: int) -> Notification | None:
    """Mark one of ``user``'s notifications read (None if it is not theirs)."""
    notification = Notification.objects.filter(pk=notification_id, recipient=user).first()
    if notification is not None and notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user: Any) -> int:
    """Mark every unread notification of ``user`` read; returns how many. One statement."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now())


def preferences_set(*, user: Any, choices: Mapping[str, str], language: str | None = None
                    ) -> None:
    """Save ``user``'s choices per optional kind (mandatory and unknown kinds are ignored;
    a kind's default choice is stored as "no preference") and the language of their e-mails."""
    with transaction.atomic():
        for code, choice in choices.items():
            try:
                kind = get_kind(code)
            except KeyError:
                continue
            if kind.mandatory or choice not in kind.choices():
                continue
            if choice == kind.default_choice:
                NotificationPreference.objects.filter(user=user, kind=code).delete()
            else:
                NotificationPreference.objects.update_or_create(
                    user=user, kind=code, defaults={"choice": choice})
        if language is not None:
            UserSettings.objects.update_or_create(
                user=user, defaults={"language": language if language in
                                     {c for c, _n in settings.LANGUAGES} else ""})
