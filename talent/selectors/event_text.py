"""Audit events as sentences a person reads, in the reader's language.

The audit trail stores what happened in a form made for the hash chain: an action code such
as ``talent.exported``, the actor's e-mail, and ``before``/``after`` as JSON. Nobody at the
bureau should have to read that. ``describe_events`` turns a page of events into sentences
("王芳 于 2026-12-06 14:03 导出了技术经纪人名单（56 行）"), a list of changed fields with their
labels and formatted values, and links to the event's subject and person. It costs two
queries per page whatever its length (the names of the people, the levels).

The sentences live here, in the app that reads every other app, so that no lower app has to
know how the bureau wants its events worded. An action without a sentence of its own still
reads as a sentence (its subject "changed"), never as its code.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from academy.audit.models import AuditEvent
from academy.people.models import Level, User

from .export_kinds import KINDS

# What each action did, as a verb phrase; "%(subject)s" is the event's subject, "%(detail)s"
# a short figure taken from the event (rows exported, score, reason) when there is one.
ACTION_PHRASES: dict[str, Promise] = {
    "auth.staff_login": _("signed in to a staff account"),
    "people.level_changed": _("changed the level of %(subject)s"),
    "people.roles_changed": _("changed the roles of %(subject)s"),
    "people.roster_imported": _("imported a roster of brokers"),
    "people.invitation_resent": _("sent the invitation to %(subject)s again"),
    "people.invitation_accepted": _("accepted the invitation"),
    "people.practice_created": _("recorded the practice record %(subject)s"),
    "people.practice_updated": _("edited the practice record %(subject)s"),
    "people.practice_submitted": _("submitted the practice record %(subject)s for review"),
    "people.practice_deleted": _("deleted the practice record %(subject)s"),
    "people.practice_approved": _("approved the practice record %(subject)s"),
    "people.practice_rejected": _("returned the practice record %(subject)s"),
    "courses.module_created": _("added the module %(subject)s"),
    "courses.lesson_created": _("added the lesson %(subject)s"),
    "courses.lesson_hours_changed": _("changed the class hours of the lesson %(subject)s"),
    "courses.lesson_published": _("published the lesson %(subject)s"),
    "courses.lesson_unpublished": _("withdrew the lesson %(subject)s"),
    "courses.course_published": _("published the course %(subject)s"),
    "courses.course_unpublished": _("withdrew the course %(subject)s"),
    "courses.course_created": _("created the course %(subject)s"),
    "courses.enrolment_created": _("made the enrolment %(subject)s"),
    "courses.session_created": _("scheduled the offline session %(subject)s"),
    "courses.attendance_recorded": _("recorded attendance at %(subject)s"),
    "courses.attendance_removed": _("removed an attendance at %(subject)s"),
    "courses.transcript_exported": _("downloaded the transcript of %(subject)s"),
    "exams.question_created": _("added the question %(subject)s"),
    "exams.question_updated": _("edited the question %(subject)s"),
    "exams.question_archived": _("archived the question %(subject)s"),
    "exams.question_restored": _("restored the question %(subject)s"),
    "exams.questions_imported": _("imported questions into the bank"),
    "exams.sitting_created": _("scheduled the sitting %(subject)s"),
    "exams.sitting_updated": _("changed the sitting %(subject)s"),
    "exams.answer_marked": _("marked an answer of %(subject)s"),
    "exams.score_changed": _("changed the score of %(subject)s"),
    "exams.result_released": _("released the result of %(subject)s"),
    "certificates.issued": _("issued the certificate %(subject)s"),
    "certificates.revoked": _("revoked the certificate %(subject)s"),
    "certificates.reinstated": _("reinstated the certificate %(subject)s"),
    "certificates.expired": _("marked the certificate %(subject)s as expired"),
    "certificates.renewed": _("renewed the certificate %(subject)s"),
    "certificates.torch_number_set": _("set the unified number of the certificate %(subject)s"),
    "certificates.filing_exported": _("exported the Torch Centre filing"),
    "certificates.design_saved": _("saved the certificate design %(subject)s"),
    "certificates.design_discarded": _("discarded the certificate design %(subject)s"),
    "certificates.design_activated": _("put the certificate design %(subject)s into use"),
    "certificates.requirement_set_changed": _("changed the requirements %(subject)s"),
    "certificates.requirement_set_drafted": _("drafted new requirements %(subject)s"),
    "certificates.requirement_set_published": _("published the requirements %(subject)s"),
    "certificates.broker_requirement_set_assigned":
        _("assigned the requirements %(subject)s to a broker"),
    "certificates.bulk_started": _("started a bulk certificate run"),
    "certificates.bulk_resumed": _("resumed a bulk certificate run"),
    "notifications.reminder_resent": _("sent a reminder again"),
    "notifications.manual_reminder_sent": _("sent a reminder by hand"),
    "talent.exported": _("exported %(subject)s"),
    "talent.export_downloaded": _("downloaded the export %(subject)s"),
    "talent.registered_total_saved": _("saved the registered totals %(subject)s"),
    "talent.registered_total_deleted": _("deleted the registered totals %(subject)s"),
}

# The label of each field that events carry, for the list of changes.
FIELD_LABELS: dict[str, Promise] = {
    "level": _("Level"), "level_since": _("Level reached on"), "source": _("Source"),
    "certificate": _("Certificate"), "roles": _("Roles"), "status": _("Status"),
    "attempts": _("Attempts"), "last_error": _("Last error"), "expires_at": _("Expires"),
    "email_verified": _("E-mail verified"), "password_set": _("Password set"),
    "course": _("Course"), "title": _("Title"), "class_hours": _("Class hours"),
    "version": _("Version"), "cohort": _("Cohort"), "user": _("User"), "how": _("How"),
    "starts_at": _("Starts"), "ends_at": _("Ends"), "opens_at": _("Opens"),
    "closes_at": _("Closes"), "paper": _("Paper"), "type": _("Type"),
    "new_version": _("New version"), "content_changed": _("Content changed"),
    "sitting": _("Sitting"), "score": _("Score"), "max_score": _("Full marks"),
    "passed": _("Passed"), "attempt": _("Attempt"), "round": _("Marking round"),
    "final_score": _("Final score"), "answer": _("Answer"), "answer_score": _("Answer score"),
    "reason": _("Reason"), "serial": _("Serial number"), "valid_until": _("Valid until"),
    "issued_at": _("Issued"), "revoked_reason": _("Reason for revocation"),
    "torch_number": _("Unified number"), "renewal": _("Renewal"),
    "hours_required": _("Class hours required"), "hours_done": _("Class hours done"),
    "override": _("Override"), "rows": _("Rows"), "format": _("Format"), "kind": _("Kind"),
    "export": _("Export"), "total": _("Total"), "done": _("Done"), "params": _("Parameters"),
    "region": _("Region"), "month": _("Month"), "deal_count": _("Deals"),
    "contract_amount": _("Contract amount (yuan)"),
    "technical_income": _("Certified technical income (yuan)"), "note": _("Note"),
    "comment": _("Comment"), "contract_name": _("Contract"),
    "registration_number": _("Registration number"), "contract_date": _("Contract date"),
    "total_hours": _("Class hours in total"), "requirement_set": _("Requirements"),
    "copied_from": _("Copied from"), "people": _("People"), "candidates": _("Recipients"),
    "message": _("Message"), "reminder": _("Reminder"), "subject_id": _("Subject"),
    "filters": _("Filters"), "full_national_id": _("Full national ID numbers"),
    "present": _("Present"), "method": _("Method"), "recorded_at": _("Recorded"),
    "duration_minutes": _("Duration (minutes)"), "attempts_allowed": _("Attempts allowed"),
    "pass_mark": _("Pass mark"), "shuffle": _("Shuffle"), "released": _("Released"),
    "query": _("Filters"), "file_name": _("File name"), "created": _("Accounts created"),
    "broker_role": _("Role in the deal"), "party_a": _("Party A"), "party_b": _("Party B"),
    "contract_kind": _("Kind of contract"), "registry": _("Registry"),
    "level_name": _("Level"), "holder": _("Holder"), "design": _("Design"),
    "valid_from": _("Valid from"), "renewed_from": _("Renewed from"),
}

# Values that are codes of a state, shown by their name.
VALUE_LABELS: dict[str, Promise | str] = {
    "valid": _("Valid"), "revoked": _("Revoked"), "expired": _("Expired"),
    "draft": _("Draft"), "submitted": _("Submitted"), "approved": _("Approved"),
    "rejected": _("Returned"), "pending": _("Waiting to be sent"), "sent": _("Sent"),
    "failed": _("Failed"), "skipped": _("Skipped"), "active": _("Active"),
    "withdrawn": _("Withdrawn"), "completed": _("Completed"), "admin": _("Administrator"),
    "auditor": _("Auditor"), "trainer": _("Trainer"), "broker": _("Broker"),
    "system": _("The system"), "demo": _("Demo data"), "manual": _("By hand"),
    "automatic": _("Automatically"), "renewal": _("Renewal"), "xlsx": "XLSX", "csv": "CSV",
}

_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)?$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class Change:
    label: str
    before: str
    after: str


@dataclass
class EventView:
    """One audit event as its reader sees it."""

    event: AuditEvent
    when: datetime.datetime
    actor: str
    actor_url: str
    sentence: str
    action_label: str
    subject: str
    subject_url: str
    person: str
    person_url: str
    changes: list[Change] = field(default_factory=list)

    @property
    def seq(self) -> int:
        return self.event.seq


def action_label(action: str) -> str:
    """The action as a phrase without its subject, for filters and headings."""
    phrase = ACTION_PHRASES.get(action)
    if phrase is None:
        return gettext("changed a record")
    text = str(phrase).replace("%(subject)s", "").replace("  ", " ").strip()
    return text.rstrip("的 ").strip()


def action_choices() -> list[tuple[str, str]]:
    """Every known action with its phrase, sorted by the phrase, for a filter's choices."""
    return sorted(((code, action_label(code)) for code in ACTION_PHRASES),
                  key=lambda pair: pair[1])


def format_value(key: str, value: Any, levels: dict[str, str]) -> str:
    """One value of an event's ``before``/``after`` as text: dates in local time, levels by
    name, yes/no, lists joined, nested records as "label: value" pairs (never braces)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, (list, tuple)):
        return "、".join(format_value(key, v, levels) for v in value) or "—"
    if isinstance(value, dict):
        return "；".join(f"{field_label(k)}: {format_value(k, v, levels)}"
                        for k, v in value.items()) or "—"
    text = str(value)
    if key in ("level", "level_name") and text in levels:
        return levels[text]
    if key in ("status", "source", "roles", "how", "format", "channel") and text in VALUE_LABELS:
        return str(VALUE_LABELS[text])
    if _ISO_DATETIME.match(text):
        try:
            moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return text
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment, datetime.UTC)
        return date_format(timezone.localtime(moment), "Y-m-d H:i")
    if _ISO_DATE.match(text):
        return text
    if isinstance(value, (Decimal, float)):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    try:
        if "." in text and key not in ("version", "serial"):
            number = Decimal(text)
            return f"{number.normalize():f}"
    except InvalidOperation:
        pass
    return text


def field_label(key: str) -> str:
    label = FIELD_LABELS.get(key)
    if label is not None:
        return str(label)
    return key.replace("_", " ").capitalize()


def event_changes(event: AuditEvent, levels: dict[str, str]) -> list[Change]:
    """The fields the event recorded, with their values before and after; a field that did
    not change is left out when the event has both sides."""
    before = event.before if isinstance(event.before, dict) else {}
    after = event.after if isinstance(event.after, dict) else {}
    keys = list(before) + [k for k in after if k not in before]
    changes = []
    for key in keys:
        old, new = before.get(key), after.get(key)
        if before and after and key in before and key in after and old == new:
            continue
        changes.append(Change(
            label=field_label(key),
            before=format_value(key, old, levels) if key in before else "",
            after=format_value(key, new, levels) if key in after else "",
        ))
    return changes


def _detail(event: AuditEvent) -> str:
    after = event.after if isinstance(event.after, dict) else {}
    if "rows" in after and after["rows"] is not None:
        return gettext("%(n)s rows") % {"n": after["rows"]}
    if event.action in ("exams.result_released", "exams.score_changed") and "score" in after:
        return gettext("score %(score)s") % {"score": format_value("score", after["score"], {})}
    if after.get("reason"):
        return gettext("reason: %(reason)s") % {"reason": after["reason"]}
    return ""


def _export_subject(event: AuditEvent) -> str:
    """What an export event exported, by the kind's own label."""
    after = event.after if isinstance(event.after, dict) else {}
    kind = KINDS.get(str(after.get("kind", "")))
    return str(kind.label) if kind else gettext("a list")


# The page each kind of subject has, by the model's label and the URL name taking its pk.
SUBJECT_URLS: dict[str, str] = {
    "courses.course": "courses:course_edit",
    "courses.cohort": "courses:cohort_detail",
    "courses.session": "courses:session_detail",
    "exams.sitting": "exams:sitting_dashboard",
    "people.practicerecord": "people:practice_detail",
    "talent.talentexport": "talent:export_detail",
    "certificates.bulkrun": "certificates:bulk_detail",
}


def _subject_url(event: AuditEvent) -> str:
    name = SUBJECT_URLS.get(event.subject_type)
    if not name or not event.subject_id:
        return ""
    try:
        return reverse(name, args=[event.subject_id])
    except NoReverseMatch:
        return ""


def _dossier_url(user_id: int | None) -> str:
    if not user_id:
        return ""
    try:
        return reverse("talent:dossier", args=[user_id])
    except NoReverseMatch:
        return ""


def describe_events(events: Iterable[AuditEvent]) -> list[EventView]:
    """The events as sentences with their changes and links (two queries in all: the
    names of the actors and people, the levels)."""
    events = list(events)
    user_ids = {e.actor_id for e in events if e.actor_id} | {e.person_id for e in events
                                                                 if e.person_id}
    names = {pk: (full or email) for pk, full, email in
             User.objects.filter(pk__in=user_ids).values_list("pk", "full_name", "email")}
    levels = {code: name for code, name in _level_names()}
    views = []
    for e in events:
        actor = names.get(e.actor_id) if e.actor_id else None
        if not actor:
            actor = (gettext("The system") if e.actor_label in ("", "system")
                     else e.actor_label)
        person = names.get(e.person_id, "") if e.person_id else ""
        subject = e.subject_label
        if e.action == "talent.exported":
            subject = _export_subject(e)
        elif not subject and person:
            subject = person
        phrase = ACTION_PHRASES.get(e.action)
        if phrase is None:
            verb = (gettext("changed %(subject)s") % {"subject": subject} if subject
                    else gettext("changed a record"))
        else:
            verb = str(phrase) % {"subject": subject or gettext("a record")}
        when = timezone.localtime(e.occurred_at)
        detail = _detail(e)
        sentence = gettext("%(actor)s on %(when)s %(verb)s") % {
            "actor": actor, "when": date_format(when, "Y-m-d H:i"), "verb": verb}
        if detail:
            sentence = gettext("%(sentence)s (%(detail)s)") % {"sentence": sentence,
                                                          "detail": detail}
        views.append(EventView(
            event=e, when=when, actor=actor, actor_url=_dossier_url(
                e.actor_id if e.actor_id and e.actor_id == e.person_id else None),
            sentence=sentence, action_label=action_label(e.action), subject=subject,
            subject_url=_subject_url(e), person=person, person_url=_dossier_url(e.person_id),
            changes=event_changes(e, levels),
        ))
    return views


def _level_names() -> list[tuple[str, str]]:
    return [(lv.code, lv.display_name) for lv in Level.objects.all()]

