"""Recording and verifying audit events."""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from . import context
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
    ctx = context.current()
    if actor is None and ctx is not None:
        actor = ctx.user
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        event = AuditEvent(
            seq=head.seq + 1,
            occurred_at=timezone.now(),
            actor_id=getattr(actor, "pk", None),
            actor_label=(actor_label or (str(getattr(actor, "email", "")) if actor else "")
                         or "system")[:254],
            action=action,
            subject_type=subject._meta.label_lower if subject is not None else "",
            subject_id=str(subject.pk) if subject is not None else "",
            subject_label=str(subject)[:200] if subject is not None else "",
            person_id=getattr(person, "pk", person),
            before=_jsonable(before),
            after=_jsonable(after),
            request_id=ctx.request_id if ctx else "",
            ip_address=ctx.ip_address if ctx else None,
            prev_hash=head.hash or GENESIS_HASH,
        )
        event.hash = event_hash(event)
        event.save(force_insert=True)
        head.seq, head.hash = event.seq, event.hash
        head.save(update_fields=["seq", "hash"])
    return event


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
