"""Issuing the certificates of many ready brokers in one transaction.

``certificates_grant`` is the issuing core that every path shares: ``certificate_issue`` (one
broker, any options) and ``certificates_issue_ready`` (many ready brokers) check what is theirs to
check and hand it their grants. ``certificates_issue_ready`` is what the readiness event's task,
the safety-net sweep and the readiness sweep call (and the ready-for-promotion list, with the
administrator as the actor): for each broker, the certificate of the lowest level above their
own that the readiness engine recorded them as ready for. One transaction for the whole batch
does what ``certificate_issue`` does for one broker, with a fixed number of statements whatever
the size:

1. lock the brokers' profile rows (in id order, so two batches never deadlock), then read
   them, their readiness and the certificates they hold; a broker who holds an active
   certificate of the level gets it back (idempotent), one whose certificate was revoked gets
   nothing (only an administrator re-issues);
2. allocate the serials: one update of each (level, year) counter row for the whole batch, so
   serials stay gap-free (a rolled-back batch gives all its numbers back);
3. insert the certificates (one INSERT) and sign their Open Badges credentials in memory
   (Ed25519 takes microseconds; one UPDATE stores them): a certificate counts as issued with
   its signed credential, in the same commit;
4. promote the brokers (``people.services.brokers_promote``: one UPDATE, the level history's
   events), record their notifications (``notices_deliver``: one
   insert of reminders, one of in-app notifications, e-mails handed over on commit) and
   append every level change and issuance to the audit trail under one lock of its head.

The partial unique constraint on (broker, level) still makes a second active certificate
impossible whatever the code does; a batch killed at any line leaves nothing (one
transaction) and its redelivered task issues it all. After commit the PDFs are rendered by a
separate task (not part of "issued"; idempotent, it overwrites its own output) and the
promoted brokers' readiness for the next level is re-evaluated by one task per batch.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import logging
import secrets
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from academy.audit.services import AuditEntry, audit_record_many
from academy.iterables import batched
from academy.people.models import BrokerProfile, Level

from ..conf import app_settings
from ..models.issued import Certificate, CertificatePolicy, SerialCounter
from ..selectors.readiness import add_months
from ..sql import ids_reserve
from .issuance import ISSUED_KIND, certificate_summary
from .serials import serial_format

logger = logging.getLogger(__name__)



def batch_size() -> int:
    return int(app_settings.CERT_ISSUE_BATCH)


# --- Signing ---------------------------------------------------------------------------------------


def _sign_or_defer(certificates: Sequence[Certificate], *, now: datetime.datetime) -> bool:
    """Sign the credentials of ``certificates`` in memory (each with its id, ``level``,
    ``broker`` and ``requirement_set`` loaded). Without a signing key the issuance still goes
    through and the signing task is queued after commit (it fails loudly until an operator
    creates the key); returns whether they were signed."""
    from ..credentials.signing import SigningKeyMissing, credentials_sign

    try:
        credentials_sign(certificates, now=now)
    except SigningKeyMissing:
        logger.exception("Certificates issued unsigned; the signing task will retry")
        ids = [c.pk for c in certificates]

        def enqueue() -> None:
            from ..tasks import certificate_credential_sign

            for pk in ids:
                certificate_credential_sign.delay(pk)

        transaction.on_commit(enqueue, robust=True)
        return False
    return True


def certificates_sign_now(certificates: Sequence[Certificate], *,
                          now: datetime.datetime) -> bool:
    """Sign and store the credentials of ``certificates``, already saved, inside the issuing
    transaction (see ``_sign_or_defer``); returns whether they were signed."""
    if not _sign_or_defer(certificates, now=now):
        return False
    if len(certificates) == 1:
        [certificate] = certificates
        Certificate.objects.filter(pk=certificate.pk).update(
            credential=certificate.credential, credential_kid=certificate.credential_kid,
            credential_signed_at=certificate.credential_signed_at)
    else:
        Certificate.objects.bulk_update(
            certificates, ["credential", "credential_kid", "credential_signed_at"],
            batch_size=500)
    return True



def _certificates_insert_signed(certificates: list[Certificate], *,
                                now: datetime.datetime) -> None:
    """Insert ``certificates`` with their signed credentials: on PostgreSQL their ids are
    reserved first (the credential names its id, the status list index), so one INSERT
    stores everything; elsewhere they are inserted, then signed and updated."""
    ids = ids_reserve(Certificate, len(certificates))
    if ids is None:
        Certificate.objects.bulk_create(certificates, batch_size=500)
        certificates_sign_now(certificates, now=now)
        return
    for certificate, pk in zip(certificates, ids, strict=True):
        certificate.pk = pk
    _sign_or_defer(certificates, now=now)
    Certificate.objects.bulk_create(certificates, batch_size=500)


def certificates_render_schedule(certificate_ids: Sequence[int]) -> None:
    """Queue the PDFs of ``certificate_ids`` once the transaction commits: one render task for
    one certificate, a batch render task for several."""
    ids = list(certificate_ids)
    if not ids:
        return

    def enqueue() -> None:
        from ..tasks import certificate_render_pdf, certificates_render_pdfs

        if len(ids) == 1:
            certificate_render_pdf.delay(ids[0])
        else:
            certificates_render_pdfs.delay(ids)

    transaction.on_commit(enqueue, robust=True)


# --- Issuing -----------------------------------------------------------------------------------------


def _serials(level, year: int, count: int) -> list[str]:
    """``count`` consecutive serials of ``level`` in ``year``: the counter row is locked until
    the transaction ends, and moved on once for them all."""
    SerialCounter.objects.bulk_create([SerialCounter(level=level, year=year)],
                                      ignore_conflicts=True)
    counter = SerialCounter.objects.select_for_update().get(level=level, year=year)
    first = counter.last + 1
    counter.last += count
    counter.save(update_fields=["last"])
    return [serial_format(level_code=level.code, year=year, seq=seq)
            for seq in range(first, counter.last + 1)]


def certificates_issue_ready(*, broker_ids: Iterable[int], now: datetime.datetime | None = None,
                             actor: Any = None) -> dict[int, Certificate]:
    """Issue each of ``broker_ids`` the certificate they are recorded as ready for.

    Returns ``{broker_id: certificate}`` for the brokers who hold the certificate of the level
    they are ready for: issued by this call (``certificate.issued_now``) or before. Brokers
    not ready, not brokers, or whose certificate of the level was revoked are left out. Without
    an ``actor`` (the automatic paths) so are the brokers ready for a level whose policy leaves
    issuance to an administrator: they wait on the ready-for-promotion list. Safe to run any
    number of times, concurrently, and to be killed at any line (see the module).
    """
    from ..models import BrokerReadiness
    from ..selectors.issued import levels_issued_by_admin

    ids = sorted({int(pk) for pk in broker_ids})
    if not ids:
        return {}
    now = now or timezone.now()
    result: dict[int, Certificate] = {}
    with transaction.atomic():
        # Lock the profile rows alone, in id order (no joins: see ``certificate_issue``).
        locked = list(BrokerProfile.objects.select_for_update().filter(user_id__in=ids)
                      .order_by("user_id").values_list("user_id", flat=True))
        profiles = {p.user_id: p for p in
                    BrokerProfile.objects.select_related("user", "level").filter(
                        user_id__in=locked)}
        target = {}
        states = (BrokerReadiness.objects.filter(broker_id__in=locked, ready=True)
                  .select_related("level", "requirement_set__level")
                  .order_by("broker_id", "level__rank"))
        if actor is None:
            states = states.exclude(level_id__in=levels_issued_by_admin())
        for state in states:
            profile = profiles[state.broker_id]
            if state.level.rank > profile.level.rank and state.broker_id not in target:
                target[state.broker_id] = state
        if not target:
            return result
        held: dict[tuple[int, int], list[Certificate]] = defaultdict(list)
        for certificate in Certificate.objects.select_related("level").filter(
                broker_id__in=list(target), level_id__in={s.level_id for s in target.values()}):
            held[(certificate.broker_id, certificate.level_id)].append(certificate)
        to_issue: dict[int, list] = defaultdict(list)  # level id -> readiness states
        for broker_id, state in target.items():
            mine = held.get((broker_id, state.level_id), [])
            active = next((c for c in mine if c.status in Certificate.ACTIVE), None)
            if active is not None:
                active.issued_now = False
                result[broker_id] = active
            elif mine:  # revoked: an administrator decides
                logger.info("Broker %s is ready for %s again but their certificate was revoked",
                            broker_id, state.level.code)
            else:
                to_issue[state.level_id].append(state)
        if not to_issue:
            return result

        grants = [Grant(profile=profiles[state.broker_id], level=state.level,
                        requirement_set=state.requirement_set)
                  for level_id in sorted(to_issue) for state in to_issue[level_id]]
        for certificate in certificates_grant(grants, now=now, actor=actor):
            result[certificate.broker_id] = certificate
    return result


@dataclass
class Grant:
    """One certificate to issue: the broker's profile (locked by the caller, with ``user`` and
    ``level``), the level, and what the issuing path decided."""

    profile: BrokerProfile
    level: Level
    requirement_set: Any = None  # a RequirementSet, or its id
    source: str = Certificate.Source.AUTOMATIC
    reason: str = ""
    renewed_from: Certificate | None = None
    valid_until: datetime.date | None = None
    policy_validity: bool = True  # False: ``valid_until`` as given, even None


def certificates_grant(grants: Sequence[Grant], *, now: datetime.datetime,
                       actor: Any = None) -> list[Certificate]:
    """The issuing core every path shares (``issuance.certificate_issue`` for one broker,
    ``certificates_issue_ready`` for a batch): inside the caller's transaction, which holds
    the brokers' profile locks and has checked that none holds an active certificate of the
    level, allocate the serials, insert the certificates with their signed credentials,
    promote the brokers (``people.services.brokers_promote``: level, date and the level
    history's event), record the issuance events and the brokers' notifications, and queue
    the PDFs and the promoted brokers' readiness for their next level after commit.

    A fixed number of statements whatever the number of grants. Returns the certificates
    (``issued_now`` set).
    """
    from academy.notifications.selectors import url_or_home
    from academy.notifications.services import Notice, notices_deliver
    from academy.people.services import Promotion, brokers_promote

    from .issuance import RENEWED_KIND
    from .readiness import readiness_schedule

    if not grants:
        return []
    today = timezone.localdate(now)
    by_level: dict[int, list[Grant]] = defaultdict(list)
    levels: dict[int, Level] = {}
    for grant in grants:
        by_level[grant.level.pk].append(grant)
        levels[grant.level.pk] = grant.level
    validity = dict(CertificatePolicy.objects.filter(level_id__in=list(levels))
                    .values_list("level_id", "validity_months"))
    created: list[Certificate] = []
    for level_id in sorted(by_level):  # counters locked in a fixed order
        level, group = levels[level_id], by_level[level_id]
        months = validity.get(level_id)
        policy_until = (add_months(today, months) - datetime.timedelta(days=1)
                        if months else None)
        for grant, serial in zip(group, _serials(level, today.year, len(group)), strict=True):
            user = grant.profile.user
            rs = grant.requirement_set
            created.append(Certificate(
                broker=user, level=level, serial=serial,
                holder_name=user.full_name or user.email,
                issued_at=now, valid_from=today,
                valid_until=(grant.valid_until if grant.valid_until is not None
                             or not grant.policy_validity else policy_until),
                status=Certificate.Status.VALID, status_changed_at=now,
                renewed_from=grant.renewed_from,
                requirement_set_id=getattr(rs, "pk", rs),
                source=grant.source, reason=grant.reason,
                created_by=actor if getattr(actor, "pk", None) else None,
                subject_salt=secrets.token_hex(16),
            ))
            if rs is not None and not isinstance(rs, int):
                created[-1].requirement_set = rs
    _certificates_insert_signed(created, now=now)

    events: list[AuditEntry] = []
    notices: list[Notice] = []
    url = url_or_home("certificates:my_certificates")
    profiles = {grant.profile.user_id: grant.profile for grant in grants}
    renewals = {grant.profile.user_id: grant.renewed_from for grant in grants
                if grant.renewed_from is not None}
    level_events: list[AuditEntry] = []
    promoted = brokers_promote(
        promotions=[Promotion(profile=profiles[c.broker_id], level=c.level, since=today,
                              after={"certificate": c.serial}) for c in created],
        now=now, actor=actor, audit=level_events)
    level_event_of = {entry.subject.pk: entry for entry in level_events
                      if entry.subject is not None}
    actor_label = "" if actor else "system"
    for certificate in created:
        certificate.issued_now = True
        level = certificate.level
        profile_pk = profiles[certificate.broker_id].pk
        if profile_pk in level_event_of:  # each broker's promotion, then their certificate
            events.append(level_event_of[profile_pk])
        events.append(AuditEntry(
            action="certificates.issued", subject=certificate,
            person=profiles[certificate.broker_id].user, actor=actor, actor_label=actor_label,
            after={**certificate_summary(certificate), "reason": certificate.reason}))
        valid_until = certificate.valid_until
        context = {"serial": certificate.serial, "level": level.name,
                   "level_en": level.name_en or level.name,
                   "valid_until": valid_until.isoformat() if valid_until else ""}
        kind = ISSUED_KIND
        renewed = renewals.get(certificate.broker_id)
        if renewed is not None:
            kind, context["old_serial"] = RENEWED_KIND, renewed.serial
        notices.append(Notice(
            recipient_id=certificate.broker_id, kind=kind, window="issued",
            subject_type=Certificate._meta.label_lower, subject_id=certificate.pk,
            context=context, url=url))
    notices_deliver(notices=notices, now=now)
    # Last, so that the chain head is held for the shortest time.
    audit_record_many(events)
    certificates_render_schedule([c.pk for c in created])
    readiness_schedule([p.user_id for p in promoted])
    return created


# --- Dispatching -------------------------------------------------------------------------------------

_collected: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar(
    "certificates_issue_collected", default=None)


def certificate_issue_queue(broker_ids: Sequence[int]) -> None:
    """Queue issuance now: the single-broker task for one, batch tasks for more."""
    from ..tasks import certificate_issue_for_ready, certificates_issue_batch

    ids = sorted(set(broker_ids))
    if len(ids) == 1:
        certificate_issue_for_ready.delay(ids[0])
        return
    for chunk in batched(ids, batch_size()):
        certificates_issue_batch.delay(chunk)


def certificate_issue_collecting() -> list[int] | None:
    """The list ``certificate_issue_schedule`` adds to inside ``certificates_issue_collected``."""
    return _collected.get()


@contextlib.contextmanager
def certificates_issue_collected() -> Iterator[list[int]]:
    """Inside, the brokers announced ready are collected instead of each getting a task of
    their own; on leaving, they are queued in batches (a readiness sweep that finds a whole
    cohort ready issues it in a few transactions). Left by an exception, nothing is queued:
    the safety-net sweep finds those brokers."""
    collected: list[int] = []
    token = _collected.set(collected)
    try:
        yield collected
    finally:
        _collected.reset(token)
    if collected:
        certificate_issue_queue(collected)
