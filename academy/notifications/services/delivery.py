"""Delivering notifications: at most once, never lost, in batches.

``notify`` (one occasion, many people) and ``notices_deliver`` (many occasions at once, what
the sweeps use) do the same thing, set-based, a fixed number of queries per batch:

1. read the recipients' accounts, preferences and languages (three queries);
2. insert one ``Reminder`` row per person and channel with ``INSERT ... ON CONFLICT DO
   NOTHING`` — the unique constraint on (person, kind, subject, window, channel) makes a
   second insert of the same reminder a no-op, whoever attempts it (a sweep run twice, two
   beat processes, a signal and the safety-net sweep);
3. read back the rows *this call* inserted (they carry its batch token) and deliver only
   those: in-app notifications are written in the same transaction (their title and text are
   rendered when they are read, in the reader's language); e-mails are handed to the
   ``reminder_send`` task after commit (during quiet hours, e-mails, SMS and WeCom messages
   wait for their end unless the person lets that kind through: by default urgent kinds
   only); digest items wait for the daily digest.

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
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from academy.audit.services import audit_record
from academy.iterables import batched

from .. import kinds as k
from .. import sql
from ..conf import app_settings
from ..kinds import get_kind
from ..models import Notification, Reminder, UserSettings
from ..rendering import Renderer, kind_label, language_or_default, reminder_email, site_path

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
    sms: int = 0
    wecom: int = 0
    email_ids: list[int] = field(default_factory=list, repr=False)

    def __iadd__(self, other: DeliveryResult) -> DeliveryResult:
        self.created += other.created
        self.people += other.people
        self.inapp += other.inapp
        self.email += other.email
        self.digest += other.digest
        self.sms += other.sms
        self.wecom += other.wecom
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
    start = _clock(app_settings.NOTIFY_QUIET_START)
    end = _clock(app_settings.NOTIFY_QUIET_END)
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
    at = _at(local, _clock(app_settings.NOTIFY_DIGEST_TIME))
    if at <= local:
        at = _at(local + datetime.timedelta(days=1), _clock(app_settings.NOTIFY_DIGEST_TIME))
    return at


def retry_delay(attempts: int) -> int:
    """Seconds before delivery attempt ``attempts + 1``: doubling from the first delay."""
    first = app_settings.NOTIFY_RETRY_SECONDS
    return min(first * 2 ** max(attempts - 1, 0), app_settings.NOTIFY_RETRY_MAX_SECONDS)


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
    enqueue: bool = True,
) -> DeliveryResult:
    """Remind ``recipients`` (users or their ids) of ``subject`` for ``window``, once each.

    ``context`` goes to the kind's templates (JSON-serialisable: it is stored for e-mails
    sent later); ``url`` is the page the reminder leads to (a path on this site).
    ``enqueue=False``: the caller sends the e-mails due now itself (``result.email_ids``).
    """
    subject_type, subject_id = subject_key(subject)
    notices = (
        Notice(recipient_id=getattr(r, "pk", r), kind=kind, window=window,
               subject_type=subject_type, subject_id=subject_id,
               context=context or {}, url=url)
        for r in recipients
    )
    return notices_deliver(notices=notices, now=now, enqueue=enqueue)


def notices_deliver(*, notices: Iterable[Notice], now: datetime.datetime | None = None,
                    batch_size: int | None = None, enqueue: bool = True) -> DeliveryResult:
    """Deliver ``notices`` (any number: handled in batches of a fixed number of queries)."""
    now = now or timezone.now()
    size = batch_size or app_settings.NOTIFY_BATCH_SIZE
    result = DeliveryResult()
    paths: dict[str, str] = {}
    extra = _ExtraChannels.load()
    for chunk in batched(notices, size):
        result += _deliver_batch(chunk, now=now, paths=paths, extra=extra, enqueue=enqueue)
    return result


#: Channels whose messages a task sends (the others are written at once or in the digest).
SENT_BY_TASK = frozenset({k.EMAIL, k.SMS, k.WECOM})


@dataclass
class _ExtraChannels:
    """What SMS and WeCom need, read once per delivery call: which backends are on and
    which kinds have an approved SMS template."""

    sms: bool = False
    wecom: bool = False
    sms_kinds: frozenset[str] = frozenset()
    _allowed: dict[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def load(cls) -> _ExtraChannels:
        from ..models import SmsTemplate

        sms = bool(app_settings.NOTIFY_SMS_BACKEND)
        return cls(
            sms=sms, wecom=bool(app_settings.NOTIFY_WECOM_BACKEND),
            sms_kinds=frozenset(SmsTemplate.objects.filter(approved=True)
                                .values_list("kind", flat=True)) if sms else frozenset(),
        )

    @property
    def any(self) -> bool:
        return self.sms or self.wecom

    def allowed(self, kind: k.Kind) -> frozenset[str]:
        """The extra channels ``kind`` may go by: SMS only with an approved template;
        WeCom for every kind that has a text (not the digest, which is an e-mail). Worked
        out once per kind."""
        channels = self._allowed.get(kind.code)
        if channels is None:
            channels = self._allowed[kind.code] = frozenset(
                ({k.SMS} if self.sms and kind.code in self.sms_kinds else set())
                | ({k.WECOM} if self.wecom and kind.inapp else set()))
        return channels


def _extra_choices(ids: Sequence[int], kind_codes: set[str]
                   ) -> tuple[dict[tuple[int, str], set[str]], dict[int, tuple[str, str]]]:
    """Who asked for SMS or WeCom for which kinds, and their verified number and WeCom id:
    two queries."""
    wanted: dict[tuple[int, str], set[str]] = defaultdict(set)
    for user_id, kind, channel in sql.channel_choices_read(ids, kind_codes):
        wanted[(user_id, kind)].add(channel)
    if not wanted:
        return wanted, {}
    people = sorted({user_id for user_id, _kind in wanted})
    contacts = {user_id: (phone if verified else "", wecom)
                for user_id, phone, verified, wecom in sql.channel_contacts_read(people)}
    return wanted, contacts


@dataclass(slots=True)
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


def _deliver_batch(notices: list[Notice], *, now: datetime.datetime, paths: dict[str, str],
                   extra: _ExtraChannels | None = None,
                   enqueue: bool = True) -> DeliveryResult:
    unique: dict[tuple, Notice] = {}
    for notice in notices:
        unique.setdefault(notice.key, notice)
    ids = sorted({n.recipient_id for n in unique.values()})
    kind_codes = {n.kind for n in unique.values()}
    users, choices, languages = sql.recipients_read(ids, kind_codes)
    extra = extra or _ExtraChannels()
    wanted, contacts = _extra_choices(ids, kind_codes) if extra.any else ({}, {})
    quiet = quiet_until(now)
    # Only in quiet hours does each person's choice per kind matter (one more query then).
    overrides = {(user_id, kind): allowed for user_id, kind, allowed
                 in sql.quiet_overrides_read(ids, kind_codes)} if quiet else {}
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
        asked = wanted.get((notice.recipient_id, notice.kind))
        if asked:
            phone, wecom = contacts.get(notice.recipient_id, ("", ""))
            allowed = extra.allowed(get_kind(notice.kind))
            channels = channels + tuple(sorted(
                c for c in asked & allowed if (c == k.SMS and phone) or (c == k.WECOM and wecom)))
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
        breaks_quiet = get_kind(notice.kind).breaks_quiet_hours(
            overrides.get((notice.recipient_id, notice.kind)))
        for channel in channels:
            scheduled = None
            if channel in SENT_BY_TASK and not breaks_quiet:
                scheduled = quiet
            elif channel == k.DIGEST:
                scheduled = digest_at
            rows.append(_Row(notice.recipient_id, notice.kind, notice.subject_type,
                             notice.subject_id, notice.window, channel, notice.context,
                             context_json, paths[notice.url], language, scheduled))
    return _deliver_rows(rows, now=now, enqueue=enqueue)


def _deliver_rows(rows: list[_Row], *, now: datetime.datetime,
                  enqueue: bool = True) -> DeliveryResult:
    """Insert ``rows`` (those not there yet) and deliver what was inserted; the e-mails due
    now are handed to Celery on commit unless ``enqueue`` is False (the caller sends them).

    An in-app notification is stored with its kind's label as title and no text: the
    notification centre and the API render both from the context when they are read, in
    the reader's language of the moment, so a sweep's tens of thousands of notifications
    cost no template rendering here (see ``_stored_text``)."""
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
                title, body = _stored_text(row)
                inapp.append((row.recipient_id, row.kind, title, body, row.url, row.context_json))
            elif row.channel in SENT_BY_TASK:
                setattr(result, row.channel, getattr(result, row.channel) + 1)
                if row.scheduled_for is None and row.pk is not None:  # inserted: has one
                    email_now.append(row.pk)
            else:
                result.digest += 1
        result.people = len(people)
        if inapp:
            sql.notifications_insert(inapp, now=now)
            result.inapp = len(inapp)
        if email_now:
            result.email_ids = email_now
            if enqueue:
                transaction.on_commit(partial(reminders_enqueue, email_now))
    return result


def _stored_text(row: _Row) -> tuple[str, str]:
    """The title and text an in-app notification is stored with: its kind's label (it is
    rendered from the context when read); rendered now if it has no context to render from
    later, or the label alone if its templates need values it does not have."""
    label = kind_label(row.kind, row.language)
    if row.context:
        return label, ""
    try:
        return Renderer().title_body(get_kind(row.kind), {}, row.language)
    except Exception:  # noqa: BLE001 - a template that needs context: the label stands
        return label, ""


def _insert_reminders(rows: list[_Row], *, now: datetime.datetime) -> list[_Row]:
    """Insert ``rows`` with ON CONFLICT DO NOTHING; returns those this statement inserted
    (with their ids). In-app rows are inserted as sent: their notification is written in the
    same transaction. E-mails to send now are marked queued (handed over on commit)."""
    sent = Reminder.Status.SENT
    pending = Reminder.Status.PENDING
    inserted = sql.reminders_insert([
        (r.recipient_id, r.kind, r.subject_type, r.subject_id, r.window, r.channel,
         sent if r.channel == k.INAPP else pending, r.context, r.context_json, r.url,
         r.language, r.scheduled_for, now if r.channel == k.INAPP else None,
         now if r.channel in SENT_BY_TASK and r.scheduled_for is None else None)
        for r in rows
    ], now=now)
    by_key = {r.key: r for r in rows}
    created = []
    for pk, recipient_id, kind, subject_type, subject_id, window, channel in inserted:
        row = by_key[(recipient_id, kind, subject_type, subject_id, window, channel)]
        row.pk = pk
        created.append(row)
    return created


#: E-mails handed to one task: a sweep's tens of thousands of e-mails are a few hundred
#: messages on the broker, and each task sends its share over one SMTP connection.
SEND_CHUNK = 100


def reminders_enqueue(ids: Sequence[int]) -> None:
    """Hand e-mail reminders to Celery: ``reminder_send`` for one, ``reminders_send_many``
    for chunks of many. A broker outage is logged, not raised: the rows stay pending and
    ``reminders_send_due`` hands them over later."""
    from ..tasks import reminder_send, reminders_send_many

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
    """Send reminder ``reminder_id`` (an e-mail, SMS or WeCom message) if it is still pending
    and due.

    Returns what happened: ``sent``, ``failed`` (permanently; recorded, and for SMS and WeCom
    a fallback on another channel created), ``skipped`` (the person was deactivated or has no
    address any more), ``not-due`` (quiet hours or backoff), ``done`` (sent, failed or
    skipped before) or ``busy`` (another worker holds it right now). Raises
    ``DeliveryDeferred`` after a temporary failure, once the attempt is recorded.
    ``connection``: an open mail connection to reuse (for many e-mails in a row).

    The row is locked (``SKIP LOCKED``) while the message goes out and marked sent in the same
    transaction, so two tasks for one reminder send it once. A worker killed mid-send rolls
    the transaction back and the redelivered task sends again: at most that one message can
    go twice (with the same Message-ID, by which mail systems recognise it).
    """
    from ..channels import PermanentFailure, TemporaryFailure

    now = now or timezone.now()
    deferred: DeliveryDeferred | None = None
    with transaction.atomic():
        reminder = (
            Reminder.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient").filter(pk=reminder_id).first()
        )
        if reminder is None:
            return "busy" if Reminder.objects.filter(pk=reminder_id).exists() else "done"
        if reminder.status != Reminder.Status.PENDING or reminder.channel not in SENT_BY_TASK:
            return "done"
        if reminder.scheduled_for is not None and reminder.scheduled_for > now:
            return "not-due"
        user = reminder.recipient
        address = user.email if reminder.channel == k.EMAIL else _address(reminder)
        if not user.is_active or not address:
            reminder.status = Reminder.Status.SKIPPED
            reminder.last_error = "inactive account" if not user.is_active else "no address"
            reminder.save(update_fields=["status", "last_error"])
            return "skipped"
        reminder.attempts += 1
        fields = ["attempts", "status", "sent_at", "last_error", "scheduled_for", "queued_at",
                  "provider_id"]
        email = reminder.channel == k.EMAIL
        temporary = TEMPORARY_ERRORS if email else (TemporaryFailure,)
        permanent = PERMANENT_ERRORS if email else (PermanentFailure,)
        max_attempts = (app_settings.NOTIFY_MAX_ATTEMPTS if email
                        else app_settings.NOTIFY_CHANNEL_MAX_ATTEMPTS)
        try:
            if email:
                message = reminder_email(reminder)
                message.connection = connection
                message.send()
            else:
                reminder.provider_id = _send_external(reminder, address)[:100]
        except permanent as exc:
            reminder.status = Reminder.Status.FAILED
            reminder.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            reminder.save(update_fields=fields)
            logger.warning("Reminder %s failed for good: %s", reminder_id, reminder.last_error)
            _fallback(reminder, now=now)
            return "failed"
        except temporary as exc:
            reminder.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if reminder.attempts >= max_attempts:
                reminder.status = Reminder.Status.FAILED
                reminder.save(update_fields=fields)
                logger.warning("Reminder %s failed after %s attempts: %s", reminder_id,
                               reminder.attempts, reminder.last_error)
                _fallback(reminder, now=now)
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
            _fallback(reminder, now=now)
            return "failed"
        else:
            reminder.status = Reminder.Status.SENT
            reminder.sent_at = now
            reminder.last_error = ""
            reminder.save(update_fields=fields)
            return "sent"
    assert deferred is not None
    raise deferred


def reminder_send_now(*, reminder_id: int, private_context: Mapping[str, Any],
                      now: datetime.datetime | None = None) -> None:
    """Send e-mail reminder ``reminder_id`` at once, rendered with ``private_context`` too,
    and mark it sent. For a message whose link must not be stored (an invitation's token):
    ``private_context`` is used for this rendering only. Must run in the transaction that
    created the reminder; any failure propagates, so that the caller rolls the reminder back
    with its own change (nothing is left pending for a later send without the link).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("reminder_send_now must run inside the transaction that created "
                           "the reminder")
    reminder = (Reminder.objects.select_for_update().select_related("recipient")
                .get(pk=reminder_id, channel=k.EMAIL, status=Reminder.Status.PENDING))
    reminder_email(reminder, private_context=private_context).send()
    reminder.attempts += 1
    reminder.status = Reminder.Status.SENT
    reminder.sent_at = now or timezone.now()
    reminder.save(update_fields=["attempts", "status", "sent_at"])


def _address(reminder: Reminder) -> str:
    """Where an SMS or WeCom reminder goes now: the verified number or the WeCom id."""
    contact = UserSettings.objects.filter(user_id=reminder.recipient_id).values_list(
        "sms_phone", "sms_phone_verified_at", "wecom_userid").first()
    if contact is None:
        return ""
    phone, verified, wecom = contact
    if reminder.channel == k.SMS:
        return phone if verified else ""
    return wecom


def _send_external(reminder: Reminder, address: str) -> str:
    """Hand an SMS or WeCom reminder to its backend; returns the provider's message id."""
    from ..channels import PermanentFailure, sms_backend, wecom_backend
    from ..models import SmsTemplate
    from ..rendering import sms_params, wecom_text

    if reminder.channel == k.SMS:
        backend = sms_backend()
        template = SmsTemplate.objects.filter(kind=reminder.kind, approved=True).first()
        if backend is None or template is None:
            raise PermanentFailure("SMS is off, or the kind has no approved template",
                                   "no-template")
        params = sms_params(template.variables or [], reminder.context or {},
                            name=reminder.recipient.get_full_name(),
                            language=reminder.language,
                            limit=app_settings.NOTIFY_SMS_VARIABLE_MAX)
        return backend.send(phone=address, template_code=template.template_code,
                            params=params,
                            sign_name=app_settings.NOTIFY_SMS_SIGN_NAME).provider_id
    backend = wecom_backend()
    if backend is None:
        raise PermanentFailure("WeCom is off", "off")
    return backend.send(userid=address, text=wecom_text(reminder)).provider_id


#: Where a failed SMS or WeCom reminder goes instead, in order of preference.
FALLBACKS = {
    k.SMS: (k.WECOM, k.EMAIL, k.INAPP),
    k.WECOM: (k.SMS, k.EMAIL, k.INAPP),
}


def _fallback(reminder: Reminder, *, now: datetime.datetime) -> Reminder | None:
    """Deliver a failed SMS or WeCom reminder on the first other channel the person can get
    (inserted like any reminder: if they have it on that channel already, nothing new is
    created). Returns the new reminder, or None."""
    order = FALLBACKS.get(reminder.channel)
    if not order:
        return None
    kind = get_kind(reminder.kind)
    user = reminder.recipient
    extra = _ExtraChannels.load()
    contact = UserSettings.objects.filter(user_id=user.pk).values_list(
        "sms_phone", "sms_phone_verified_at", "wecom_userid").first() or ("", None, "")
    available = {
        k.SMS: k.SMS in extra.allowed(kind) and bool(contact[0] and contact[1]),
        k.WECOM: k.WECOM in extra.allowed(kind) and bool(contact[2]),
        k.EMAIL: kind.email and bool(user.email),
        k.INAPP: kind.inapp,
    }
    channel = next((c for c in order if available[c]), None)
    if channel is None or not user.is_active:
        return None
    context = reminder.context or {}
    row = _Row(user.pk, reminder.kind, reminder.subject_type, reminder.subject_id,
               reminder.window, channel, context,
               json.dumps(context, ensure_ascii=False, sort_keys=True, default=str),
               reminder.url, reminder.language, None)
    _deliver_rows([row], now=now)
    if row.pk is None:
        return None
    Reminder.objects.filter(pk=row.pk).update(fallback_of=reminder.pk)
    return Reminder.objects.get(pk=row.pk)


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
    stale = now - datetime.timedelta(seconds=app_settings.NOTIFY_STALE_SECONDS)
    with transaction.atomic():
        ids = list(
            Reminder.objects.select_for_update(skip_locked=True)
            .filter(channel__in=sorted(SENT_BY_TASK), status=Reminder.Status.PENDING)
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
    size = batch_size or app_settings.NOTIFY_BATCH_SIZE
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
            grouped: dict[int, list[Mapping[str, Any]]] = defaultdict(list)
            for item in items:
                grouped[item["recipient_id"]].append(item)
            notices = []
            for recipient_id, own in grouped.items():
                language = own[0]["language"]
                entries = []
                for queued in own:
                    title, _body = renderer.title_body(get_kind(queued["kind"]),
                                                       queued["context"], language)
                    entries.append({"title": title, "url": queued["url"]})
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


# --- The person's own notifications ---------------------------------------------


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


# --- SMS receipts, phone verification, channel preferences ---------------------------------------


@dataclass
class _SentSms:
    """What a backend needs to ask for one receipt."""

    pk: int
    provider_id: str
    phone: str
    sent_at: datetime.datetime


def receipts_poll(*, now: datetime.datetime | None = None, limit: int = 1000) -> int:
    """Ask the SMS provider for the delivery receipts of recently sent SMS; record them, and
    deliver an undelivered one on another channel. Returns how many receipts were recorded.

    Run twice, the second run finds the receipts recorded (only rows without one are asked
    about); the receipt and the fallback are written in one transaction per row.
    """
    from ..channels import ChannelFailure, sms_backend

    backend = sms_backend()
    if backend is None or not hasattr(backend, "receipts"):
        return 0
    now = now or timezone.now()
    since = now - datetime.timedelta(hours=app_settings.NOTIFY_RECEIPT_HOURS)
    rows = list(Reminder.objects.filter(channel=k.SMS, status=Reminder.Status.SENT, receipt="",
                                        sent_at__gte=since).exclude(provider_id="")
                .order_by("pk").values_list("pk", "provider_id", "recipient_id", "sent_at")
                [:limit])
    if not rows:
        return 0
    phones = dict(UserSettings.objects.filter(user_id__in={r[2] for r in rows})
                  .values_list("user_id", "sms_phone"))
    asked = [_SentSms(pk, provider_id, phones.get(user_id, ""), sent_at)
             for pk, provider_id, user_id, sent_at in rows
             if sent_at is not None]  # always set: the query asks for recent ones
    try:
        receipts = backend.receipts(asked)
    except ChannelFailure:
        logger.warning("SMS receipts could not be fetched; asking again later", exc_info=True)
        return 0
    by_provider = {row.provider_id: row.pk for row in asked}
    recorded = 0
    for receipt in receipts:
        pk = by_provider.get(receipt.provider_id)
        if pk is None or receipt.delivered is None:
            continue
        with transaction.atomic():
            reminder = (Reminder.objects.select_for_update().select_related("recipient")
                        .filter(pk=pk, receipt="").first())
            if reminder is None:
                continue
            reminder.receipt = (Reminder.Receipt.DELIVERED if receipt.delivered
                                else Reminder.Receipt.UNDELIVERED)
            reminder.receipt_at = now
            fields = ["receipt", "receipt_at"]
            if not receipt.delivered:
                reminder.last_error = f"receipt: {receipt.error}"[:2000]
                fields.append("last_error")
            reminder.save(update_fields=fields)
            if not receipt.delivered:
                _fallback(reminder, now=now)
            recorded += 1
    return recorded


VERIFICATION_KIND = "phone_verification"


def _code_hash(code: str, verification_salt: str) -> str:
    import hashlib
    import hmac

    return hmac.new(settings.SECRET_KEY.encode(), f"{verification_salt}:{code}".encode(),
                    hashlib.sha256).hexdigest()


def phone_verification_start(*, user: Any, phone: str, now: datetime.datetime | None = None
                             ) -> Any:
    """Send a six-digit code by SMS to ``phone`` for ``user`` to confirm.

    Raises ApplicationError when SMS is off, the verification template is not approved, the
    number is not a mainland mobile, a code was sent less than a minute ago, or the provider
    refused. The SMS goes straight away (the person waits for it) and is logged in the
    reminder log as the ``phone_verification`` kind, without the code.
    """
    import secrets

    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    from academy.errors import ApplicationError
    from academy.people.selectors import phone_normalise, validate_phone

    from ..channels import ChannelFailure, sms_backend
    from ..models import PhoneVerification, SmsTemplate

    now = now or timezone.now()
    try:
        validate_phone(phone)
    except ValidationError as exc:
        raise ApplicationError(exc.messages[0]) from None
    phone = phone_normalise(phone).removeprefix("+86")
    backend = sms_backend()
    template = SmsTemplate.objects.filter(kind=VERIFICATION_KIND, approved=True).first()
    if backend is None or template is None:
        raise ApplicationError(_("SMS cannot be sent from this site at the moment."))
    interval = datetime.timedelta(seconds=app_settings.NOTIFY_PHONE_CODE_INTERVAL)
    if PhoneVerification.objects.filter(user=user, created_at__gt=now - interval).exists():
        raise ApplicationError(_("A code was sent less than a minute ago; please wait."))
    code = f"{secrets.randbelow(1_000_000):06d}"
    with transaction.atomic():
        verification = PhoneVerification.objects.create(
            user=user, phone=phone, code_hash="", created_at=now,
            expires_at=now + datetime.timedelta(
                seconds=app_settings.NOTIFY_PHONE_CODE_SECONDS))
        verification.code_hash = _code_hash(code, str(verification.pk))
        verification.save(update_fields=["code_hash"])
        from ..rendering import sms_params

        params = sms_params(template.variables or [["code", "{{ code }}"]],
                            {"code": code, "minutes": app_settings.NOTIFY_PHONE_CODE_SECONDS // 60},
                            name=user.get_full_name(), language="",
                            limit=app_settings.NOTIFY_SMS_VARIABLE_MAX)
        log = Reminder.objects.create(
            recipient=user, kind=VERIFICATION_KIND, subject_type="notifications.phoneverification",
            subject_id=verification.pk, window=f"code-{verification.pk}", channel=k.SMS,
            status=Reminder.Status.PENDING, attempts=1, created_at=now,
            context={"phone": _masked(phone)})
    # Sent after the commit: a failed send stays in the log (and counts for the wait).
    try:
        result = backend.send(phone=phone, template_code=template.template_code,
                              params=params, sign_name=app_settings.NOTIFY_SMS_SIGN_NAME)
    except ChannelFailure as exc:
        log.status = Reminder.Status.FAILED
        log.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        log.save(update_fields=["status", "last_error"])
        raise ApplicationError(
            _("The SMS could not be sent (%(reason)s). Check the number and try again.")
            % {"reason": exc.code or _("provider error")}) from None
    log.status = Reminder.Status.SENT
    log.sent_at = timezone.now()
    log.provider_id = result.provider_id[:100]
    log.save(update_fields=["status", "sent_at", "provider_id"])
    return verification


def phone_verification_confirm(*, user: Any, code: str, now: datetime.datetime | None = None
                               ) -> str:
    """Confirm the newest code sent to ``user``: the number becomes where their SMS go.
    Audited. Raises ApplicationError for a wrong, expired or exhausted code. Returns the
    verified number."""
    import hmac

    from django.utils.translation import gettext as _

    from academy.errors import ApplicationError

    from ..models import PhoneVerification

    now = now or timezone.now()
    code = "".join(ch for ch in str(code) if ch.isdigit())
    wrong = False
    with transaction.atomic():
        verification = (PhoneVerification.objects.select_for_update()
                        .filter(user=user, verified_at__isnull=True).order_by("-created_at")
                        .first())
        if verification is None or verification.expires_at <= now:
            raise ApplicationError(_("The code has expired; ask for a new one."))
        if verification.attempts >= app_settings.NOTIFY_PHONE_CODE_ATTEMPTS:
            raise ApplicationError(_("Too many wrong codes; ask for a new one."))
        if not hmac.compare_digest(verification.code_hash,
                                   _code_hash(code, str(verification.pk))):
            verification.attempts += 1
            verification.save(update_fields=["attempts"])
            wrong = True
        else:
            verification.verified_at = now
            verification.save(update_fields=["verified_at"])
            user_settings, _created = UserSettings.objects.get_or_create(user=user)
            before = user_settings.sms_phone
            user_settings.sms_phone = verification.phone
            user_settings.sms_phone_verified_at = now
            user_settings.save(update_fields=["sms_phone", "sms_phone_verified_at",
                                              "updated_at"])
            audit_record(action="notifications.phone_verified", subject=user_settings,
                         person=user.pk, actor=user,
                         before={"sms_phone": _masked(before)},
                         after={"sms_phone": _masked(verification.phone)})
    if wrong:  # raised after the commit, so that the wrong guess counts
        raise ApplicationError(_("The code is not right."))
    return verification.phone


def _masked(phone: str) -> str:
    from academy.people.selectors import mask_phone

    return mask_phone(phone)


def phone_verification_remove(*, user: Any) -> None:
    """Stop SMS: forget the verified number and the kinds chosen by SMS (audited): SMS are
    chosen only with a verified number."""
    from ..models import ChannelPreference

    with transaction.atomic():
        user_settings = UserSettings.objects.filter(user=user).first()
        if user_settings is None or not user_settings.sms_phone:
            return
        ChannelPreference.objects.filter(user=user, channel=k.SMS).delete()
        audit_record(action="notifications.phone_removed", subject=user_settings,
                     person=user.pk, actor=user,
                     before={"sms_phone": _masked(user_settings.sms_phone)},
                     after={"sms_phone": ""})
        user_settings.sms_phone = ""
        user_settings.sms_phone_verified_at = None
        user_settings.save(update_fields=["sms_phone", "sms_phone_verified_at", "updated_at"])


def calendar_token_reset(*, user: Any) -> str:
    """Give ``user`` a new secret calendar feed token (the old feed URL stops working)."""
    import secrets

    with transaction.atomic():
        user_settings, _created = UserSettings.objects.get_or_create(user=user)
        user_settings.calendar_token = secrets.token_urlsafe(32)
        user_settings.save(update_fields=["calendar_token", "updated_at"])
        audit_record(action="notifications.calendar_token_reset", subject=user_settings,
                     person=user.pk, actor=user, before={}, after={})
    return user_settings.calendar_token
