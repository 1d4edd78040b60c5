"""Finding a person by what the one looking for them knows.

Staff rarely know a user id or an exact e-mail address. They know a name (王芳), its pinyin
initials (``wf``), the last digits of a mobile number or of a national ID number. One
function answers all of these so that every place where a person is picked (the audit
trail's person filter, the manual certificate issue, cohort enrolment, a sitting's brokers, the
broker lists) finds the same people for the same words. Digit tails need at least four digits,
so that "1" does not match half the pool. Matching runs in the database (indexed prefix and
suffix comparisons), never over a list in Python.

Where the words must name exactly one broker (a form field, a line of a pasted list),
``broker_pick`` and ``broker_pick_lines`` settle it: an e-mail address names its owner, a full
name typed exactly names the one person of that name, and anything else must match one broker
only. Words that match nobody, or several people, are reported with the candidates, never
guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from academy.errors import ApplicationError

from .models import User

MIN_TAIL_DIGITS = 4
_LATIN = re.compile(r"^[a-z]+$")
_TAIL = re.compile(rf"^\d{{{MIN_TAIL_DIGITS},}}[xX]?$")


def person_q(term: str) -> Q | None:
    """A Q over ``User`` for ``term``: name, e-mail, pinyin initials or full pinyin, or the
    tail of the mobile or national ID number; None for an empty term."""
    term = (term or "").strip()
    if not term:
        return None
    q = Q(full_name__icontains=term) | Q(email__icontains=term)
    lowered = term.lower().replace(" ", "")
    if _LATIN.match(lowered):
        q |= Q(name_initials__startswith=lowered) | Q(name_pinyin__startswith=lowered)
    if _TAIL.match(term):
        q |= (Q(broker_profile__phone__endswith=term)
              | Q(broker_profile__national_id__iendswith=term))
    return q


def person_search(term: str, *, among: QuerySet[User] | None = None,
                  limit: int | None = None) -> QuerySet[User]:
    """The users matching ``term`` (see ``person_q``) among ``among`` (default: everyone),
    in pinyin order of their names."""
    qs = among if among is not None else User.objects.all()
    q = person_q(term)
    if q is None:
        return qs.none()
    qs = qs.filter(q).order_by("name_pinyin", "email")
    return qs[:limit] if limit else qs


def person_choice(user: Any) -> dict[str, Any]:
    """What a search result shows: the name, the e-mail and, for a broker, level and
    organisation (no phone or ID number, which stay masked)."""
    profile = getattr(user, "broker_profile", None)
    detail = []
    if profile is not None:
        detail.append(str(profile.level.display_name))
        if profile.organisation_id:
            detail.append(profile.organisation.name)
    return {"id": user.pk, "name": user.get_full_name(), "email": user.email,
            "detail": " · ".join(detail)}


# Candidates named in the message about words that match several brokers.
PICK_SHOWN = 5
# A pasted list: one broker a line, or several separated by commas, semicolons or 、.
_LIST_SPLIT = re.compile(r"[,;，；、]+")


@dataclass
class BrokerPicks:
    """The brokers a pasted list names (each once, in the list's order) and, one a line in
    the list's order, what is wrong with the entries that name nobody or several people."""

    users: list[User] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _brokers(among: QuerySet[User] | None) -> QuerySet[User]:
    return among if among is not None else User.objects.filter(broker_profile__isnull=False)


def _matches(term: str, among: QuerySet[User]) -> list[User]:
    """The users among ``among`` whom ``term`` may name (at most ``PICK_SHOWN`` + 1): those
    ``person_q`` finds, or only the one whose full name is exactly ``term`` if there is one."""
    q = person_q(term)
    if q is None:
        return []
    matches = list(among.filter(q).order_by("name_pinyin", "email")[:PICK_SHOWN + 1])
    if len(matches) > 1:
        named = list(among.filter(full_name=term)[:2])
        if len(named) == 1:
            return named
    return matches


def _candidates(matches: list[User]) -> str:
    return "、".join(f"{u.get_full_name()} ({u.email})" for u in matches[:PICK_SHOWN])


def broker_pick(term: str, *, among: QuerySet[User] | None = None) -> User:
    """The one broker among ``among`` (default: every broker) that ``term`` names: an e-mail
    address, a name, pinyin initials or a phone or ID tail. ApplicationError if it names
    nobody or several people."""
    term = (term or "").strip()
    among = _brokers(among)
    matches = list(among.filter(email=term.lower())[:1]) if "@" in term else []
    matches = matches or _matches(term, among)
    if not matches:
        raise ApplicationError(_("No broker matches “%(term)s”.") % {"term": term})
    if len(matches) > 1:
        raise ApplicationError(
            _("Several brokers match: %(names)s. Choose one of the suggestions.")
            % {"names": _candidates(matches)})
    return matches[0]


def broker_pick_lines(text: str, *, among: QuerySet[User] | None = None) -> BrokerPicks:
    """The brokers among ``among`` (default: every broker) that the lines of ``text`` name,
    each line holding one or more entries as ``broker_pick`` reads them. Every entry that
    names nobody or several people is reported with its line; none is dropped or guessed.

    One query for all the e-mail addresses, one or two for each other entry."""
    among = _brokers(among)
    entries = [(number, term.strip()) for number, line in enumerate(text.splitlines(), 1)
               for term in _LIST_SPLIT.split(line) if term.strip()]
    emails = {term.lower() for _number, term in entries if "@" in term}
    by_email = {u.email: u for u in among.filter(email__in=emails)} if emails else {}
    picks = BrokerPicks()
    for number, term in entries:
        matches = [by_email[term.lower()]] if term.lower() in by_email else \
            _matches(term, among)
        if len(matches) == 1:
            if matches[0] not in picks.users:
                picks.users.append(matches[0])
        elif matches:
            picks.problems.append(
                _("Line %(line)d, “%(term)s”: several brokers match: %(names)s. Write the "
                  "e-mail address of the one you mean.")
                % {"line": number, "term": term, "names": _candidates(matches)})
        else:
            picks.problems.append(_("Line %(line)d, “%(term)s”: no broker matches.")
                                  % {"line": number, "term": term})
    return picks
