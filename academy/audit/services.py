"""Recording audit events: one at a time or many in one statement, each linked to the one
before it by its hash (``selectors`` verifies the chain)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from . import context
from .context import register_client_address  # noqa: F401 - the face of the hook
from .models import GENESIS_HASH, AuditChainHead, AuditEvent
from .selectors import event_hash


def _jsonable(data: Any) -> Any:
    """Round-trip through JSON so that what is hashed is exactly what the database keeps."""
    if data is None:
        return None
    return json.loads(json.dumps(data, default=str, ensure_ascii=False))


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
