"""Recording and verifying audit events."""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from . import context
from .context import register_client_address  # noqa: F401 - the face of the hook
from .models import GENESIS_HASH, AuditChainHead, AuditEvent


def _jsonable(data: Any) -> Any:
    """Round-trip through JSON so that what is hashed is exactly what the database keeps."""
    if data is None:
        return None
    return json.loads(json.dumps(data, default=str, ensure_ascii=False))


def event_hash(event: AuditEvent) -> str:
    """SHA-256 over the event's content and the previous event's hash."""
    payload = {
        "seq": event.seq,
        "occurred_at": event.occurred_at.astimezone(datetime.UTC).isoformat(),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "subject_type": event.subject_type,
        "subject_id": event.subject_id,
        "subject_label": event.subject_label,
        "person_id": event.person_id,
        "before": event.before,
        "after": event.after,
        "request_id": event.request_id,
        "ip_address": event.ip_address,
        "prev_hash": event.prev_hash,
    }
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class AuditEntry:
    """One event to append with ``audit_record_many`` (the arguments of ``audit_record``)."""

    action: str
    subject: models.Model | None = None
    person: Any = None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    actor: Any = None
    actor_label: str = ""


def audit_record(
    *,
    action: str,
    subject: models.Model | None = None,
    person: Any = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    actor: Any = None,
    actor_label: str = "",
) -> AuditEvent:
    """Append one event to the audit trail, inside the caller's transaction.

    ``actor`` defaults to the user of the current request (none for Celery and commands:
    then pass ``actor_label`` such as ``"system"``). ``person`` is the user the event is
    about, so that it shows in their dossier. The chain head is locked so that events are
    appended strictly one after another, even from concurrent transactions.
    """
    [event] = audit_record_many([AuditEntry(action=action, subject=subject, person=person,
                                            before=before, after=after, actor=actor,
                                            actor_label=actor_label)])
    return event


def audit_record_many(entries: Iterable[AuditEntry]) -> list[AuditEvent]:
    """Append several events, in the order given, inside the caller's transaction.

    The chain head is locked once for all of them and the events are inserted in one
    statement: each links to the one before it exactly as if ``audit_record`` had appended
    them one by one (the same hashes), so ``audit_chain_verify`` cannot tell the difference.
    What a batch of work records in one go (a batch of certificates) holds the head for one
    round trip instead of one per event. An empty ``entries`` touches nothing.
    """
    entries = list(entries)
    if not entries:
        return []
    ctx = context.current()
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        now = timezone.now()  # after the lock: times rise with the sequence
        seq, prev_hash = head.seq, head.hash or GENESIS_HASH
        events = []
        for entry in entries:
            actor = entry.actor
            if actor is None and ctx is not None:
                actor = ctx.user
            subject = entry.subject
            seq += 1
            event = AuditEvent(
                seq=seq,
                occurred_at=now,
                actor_id=getattr(actor, "pk", None),
                actor_label=(entry.actor_label
                             or (str(getattr(actor, "email", "")) if actor else "")
                             or "system")[:254],
                action=entry.action,
                subject_type=subject._meta.label_lower if subject is not None else "",
                subject_id=str(subject.pk) if subject is not None else "",
                subject_label=str(subject)[:200] if subject is not None else "",
                person_id=getattr(entry.person, "pk", entry.person),
                before=_jsonable(entry.before),
                after=_jsonable(entry.after),
                request_id=ctx.request_id if ctx else "",
                ip_address=ctx.ip_address if ctx else None,
                prev_hash=prev_hash,
            )
            event.hash = prev_hash = event_hash(event)
            events.append(event)
        if len(events) == 1:
            events[0].save(force_insert=True)
        else:
            AuditEvent.objects.bulk_create(events, batch_size=1000)
        head.seq, head.hash = seq, prev_hash
        head.save(update_fields=["seq", "hash"])
    return events


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_broken_seq: int | None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.first_broken_seq is None


def audit_chain_verify(*, batch_size: int = 2000) -> ChainReport:
    """Walk the chain in order; report the first event whose link or hash does not hold.

    Detects an edited row (its hash no longer matches its content), a deleted or inserted
    row (a gap in the sequence or a wrong previous hash) and a truncated tail (the chain
    head remembers the last hash).
    """
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=batch_size):
        if event.seq != expected_seq:
            return ChainReport(checked, expected_seq, f"event #{expected_seq} is missing")
        if event.prev_hash != expected_prev:
            return ChainReport(checked, event.seq, "link to the previous event is broken")
        if event_hash(event) != event.hash:
            return ChainReport(checked, event.seq, "content does not match its hash")
        expected_prev = event.hash
        expected_seq += 1
        checked += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and (head.seq != checked or head.hash != expected_prev):
        return ChainReport(checked, checked + 1, "events after this point were removed")
    return ChainReport(checked, None)
