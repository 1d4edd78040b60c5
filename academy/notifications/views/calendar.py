"""The private iCalendar feed (outside the i18n URLs: calendar programs poll it)."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _

from ..selectors import language_of


def calendar_feed(request, token: str):
    """A person's private iCalendar feed: the secret token in the address is the access
    check (calendar programs cannot log in); a reset token answers 404."""
    from django.utils import translation

    from ..calendar import calendar_events_for, calendar_feed_user, calendar_ics

    user = calendar_feed_user(token)
    if user is None:
        raise Http404
    language = language_of(user) or settings.LANGUAGE_CODE
    with translation.override(language):
        body = calendar_ics(calendar_events_for(user), name=_("Broker Academy"),
                            language=language)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response
