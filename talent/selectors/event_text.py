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
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from academy.audit.models import AuditEvent
from academy.people.models import Level, User

from .event_fields import field_label, format_value, subject_model
from .export_kinds import KINDS

# What each action did, as a verb phrase; "%(subject)s" is the event's subject, "%(detail)s"
# a short figure taken from the event (rows exported, score, reason) when there is one.
ACTION_PHRASES: dict[str, Promise] = {
    "auth.staff_login": _("signed in to a staff account"),
    "people.level_changed": _("changed the level of %(subject)s"),
    "people.roles_changed": _("changed the roles of %(subject)s"),
    "people.privileges_changed": _("changed the privileges of %(subject)s"),
    "people.roster_imported": _("imported a roster of brokers"),
    "people.invitation_resent": _("sent the invitation to %(subject)s again"),
    "people.invitation_accepted": _("accepted the invitation"),
    "people.practice_created": _("recorded the practice record %(subject)s"),
    "people.practice_updated": _("edited the practice record %(subject)s"),
    "people.practice_submitted": _("submitted the practice record %(subject)s for review"),
    "people.practice_deleted": _("deleted the practice record %(subject)s"),
    "people.practice_approved": _("approved the practice record %(subject)s"),
    "people.practice_rejected": _("returned the practice record %(subject)s"),
    "people.permissions_changed": _("changed the permissions given to %(subject)s directly"),
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
    "courses.lesson_credit_method_changed":
        _("changed how study of the lesson %(subject)s is credited"),
    "courses.study_policy_changed": _("changed the study policy"),
    "exams.question_created": _("added the question %(subject)s"),
    "exams.question_updated": _("edited the question %(subject)s"),
    "exams.question_archived": _("archived the question %(subject)s"),
    "exams.question_restored": _("restored the question %(subject)s"),
    "exams.questions_imported": _("imported questions into the bank"),
    "exams.questions_exported": _("exported the question bank"),
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
    "certificates.policy_changed": _("changed the certificate policy %(subject)s"),
    "certificates.requirement_set_changed": _("changed the requirements %(subject)s"),
    "certificates.requirement_set_drafted": _("drafted new requirements %(subject)s"),
    "certificates.requirement_set_published": _("published the requirements %(subject)s"),
    "certificates.broker_requirement_set_assigned":
        _("assigned the requirements %(subject)s to a broker"),
    "certificates.bulk_started": _("started a bulk certificate run"),
    "certificates.bulk_resumed": _("resumed a bulk certificate run"),
    "certificates.ecert_exported": _("exported the electronic licence metadata"),
    "certificates.holder_did_changed": _("changed the DID of %(subject)s"),
    "certificates.wallet_offer_created":
        _("offered the certificate %(subject)s to a digital wallet"),
    "certificates.wallet_credential_issued":
        _("received the credential of the certificate %(subject)s"),
    "notifications.reminder_resent": _("sent a reminder again"),
    "notifications.manual_reminder_sent": _("sent a reminder by hand"),
    "notifications.phone_verified": _("confirmed a mobile number for SMS"),
    "notifications.phone_removed": _("removed the mobile number for SMS"),
    "notifications.calendar_token_reset": _("made a new private calendar feed address"),
    "talent.exported": _("exported %(subject)s"),
    "talent.export_downloaded": _("downloaded the export %(subject)s"),
    "talent.registered_total_saved": _("saved the registered totals %(subject)s"),
    "talent.registered_total_deleted": _("deleted the registered totals %(subject)s"),
}

# Who acted when no user did, by the label the event records.
ACTOR_LABELS: dict[str, Promise] = {
    "": _("The system"), "system": _("The system"), "wallet": _("The holder's digital wallet"),
}


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


def event_changes(event: AuditEvent, levels: dict[str, str]) -> list[Change]:
    """The fields the event recorded, with their values before and after; a field that did
    not change is left out when the event has both sides."""
    before = event.before if isinstance(event.before, dict) else {}
    after = event.after if isinstance(event.after, dict) else {}
    model = subject_model(event.subject_type)
    keys = list(before) + [k for k in after if k not in before]
    changes = []
    for key in keys:
        old, new = before.get(key), after.get(key)
        if before and after and key in before and key in after and old == new:
            continue
        changes.append(Change(
            label=field_label(key, model),
            before=format_value(key, old, levels, model) if key in before else "",
            after=format_value(key, new, levels, model) if key in after else "",
        ))
    return changes


def _detail(event: AuditEvent) -> str:
    after = event.after if isinstance(event.after, dict) else {}
    if "rows" in after and after["rows"] is not None:
        return gettext("%(n)s rows") % {"n": after["rows"]}
    if event.action == "exams.questions_exported" and after.get("count") is not None:
        return gettext("%(n)s questions") % {"n": after["count"]}
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
    "courses.offlinesession": "courses:session_detail",
    "exams.sitting": "exams:sitting_dashboard",
    "people.practicerecord": "people:practice_detail",
    "talent.talentexport": "talent:export_detail",
    "certificates.certificate": "certificates:certificate_detail",
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
            label = ACTOR_LABELS.get(e.actor_label)
            actor = str(label) if label is not None else e.actor_label
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

