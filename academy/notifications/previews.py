"""E-mail template previews for administrators: each kind, in each language, with the
example context the kind registered."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.template import TemplateDoesNotExist

from .kinds import Kind, all_kinds, get_kind
from .rendering import email_message, url_or_home


@dataclass
class TemplatePreview:
    kind: Kind
    language: str
    subject: str
    text: str
    html: str


def kinds_with_templates() -> list[Kind]:
    return sorted((kind for kind in all_kinds() if kind.email or kind.inapp),
                  key=lambda kind: (kind.app, kind.code))


def preview(code: str, language: str) -> TemplatePreview | None:
    """The e-mail of kind ``code`` in ``language`` (None for an unknown kind or language)."""
    if language not in {c for c, _n in settings.LANGUAGES}:
        return None
    try:
        kind = get_kind(code)
    except KeyError:
        return None
    name = "王小明" if language.startswith("zh") else "Wang Xiaoming"
    try:
        message = email_message(kind=kind, context=kind.sample, path=url_or_home("home"),
                                language=language, name=name, to="broker@example.org",
                                reference=f"preview-{code}")
    except TemplateDoesNotExist:
        return None
    html = next((content for content, mimetype in message.alternatives
                 if mimetype == "text/html"), "")
    return TemplatePreview(kind=kind, language=language, subject=message.subject,
                           text=message.body, html=html)
