"""Finding a person by what the one looking for them knows.

Staff rarely know a user id or an exact e-mail address. They know a name (王芳), its pinyin
initials (``wf``), the last digits of a mobile number or of a national ID number. One
function answers all of these so that every place where a person is picked (the audit
trail's person filter, the manual certificate issue, the broker lists) finds the same
people for the same words. Digit tails need at least four digits, so that "1" does not match
half the pool. Matching runs in the database (indexed prefix and suffix comparisons), never
over a list in Python.
"""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Q, QuerySet

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
