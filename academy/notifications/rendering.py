"""Rendering notifications and e-mails in the recipient's language, with absolute links.

Links are stored as paths in the site's default language (``/exams/sittings/4/``) and
translated when used: ``/en/exams/sittings/4/`` for an English reader. E-mails carry absolute
links built from ``ACADEMY_SITE_URL`` (Celery has no request to build them from).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse, translate_url
from django.utils import translation
from django.utils.translation import get_language_from_path

from academy.links import site_url

from .kinds import Kind, get_kind

LANGUAGE_CODES = {code for code, _name in settings.LANGUAGES}


def language_or_default(language: str | None) -> str:
    return language if language in LANGUAGE_CODES else settings.LANGUAGE_CODE


@functools.lru_cache(maxsize=4096)
def localized_path(path: str, language: str) -> str:
    """``path`` (of any language) as the page's address in ``language``; unchanged if it is
    not one of this site's pages (or is empty)."""
    if not path or not path.startswith("/"):
        return path
    source = get_language_from_path(path) or settings.LANGUAGE_CODE
    # Resolving an i18n path only works with its own language active.
    with translation.override(source):
        return translate_url(path, language)


def site_path(path: str) -> str:
    """``path`` in the site's default language: how links are stored."""
    if not get_language_from_path(path):
        return path  # no language prefix: already the default language's address
    return localized_path(path, settings.LANGUAGE_CODE)



def absolute_url(path: str, language: str) -> str:
    """The absolute address of ``path`` for a reader of ``language`` ("" for no link)."""
    if not path:
        return ""
    if path.startswith(("http://", "https://")):
        return path
    return site_url() + localized_path(path, language)


@functools.lru_cache(maxsize=2048)
def url_or_home(name: str, *args: Any) -> str:
    """``reverse(name, args)`` in the default language, or the home page if that page does not
    exist (yet): sweeps link to pages of apps that may still be under construction."""
    with translation.override(settings.LANGUAGE_CODE):
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            return reverse("home")


_PLACEHOLDER = 918273645


def url_maker(name: str) -> Callable[..., str]:
    """A fast ``url_or_home(name, *ids)`` for a sweep's thousands of links to one kind of
    page: the URL is reversed once with placeholder ids, then filled in."""
    template = url_or_home(name, _PLACEHOLDER)
    if str(_PLACEHOLDER) not in template:
        return lambda *ids: template

    def make(*ids: Any) -> str:
        return template.replace(str(_PLACEHOLDER), str(ids[0]), 1)

    return make


def _one_line(text: str) -> str:
    return " ".join(text.split())


@functools.lru_cache(maxsize=512)
def kind_label(code: str, language: str) -> str:
    """The label of the kind ``code`` in ``language``: what an in-app notification stores as
    its title (it is rendered in full when read), and shows if its kind is gone."""
    with translation.override(language_or_default(language)):
        return str(get_kind(code).label)[:300]


class Renderer:
    """Renders titles and bodies, caching by (kind, language, context): a sweep's thousands
    of notices about one deadline are rendered once per language."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str, str], tuple[str, str]] = {}

    def title_body(self, kind: Kind, context: Mapping[str, Any], language: str,
                   context_json: str | None = None) -> tuple[str, str]:
        """``context_json``: the context as JSON already (keys sorted), to save encoding it
        again for the cache key."""
        key = (kind.code, language,
               context_json or json.dumps(context, sort_keys=True, default=str))
        cached = self._cache.get(key)
        if cached is None:
            with translation.override(language):
                ctx = dict(context)
                title = _one_line(render_to_string(kind.subject_template, ctx))
                body = render_to_string(kind.body_template, ctx).strip()
            # In the app, paragraphs are lines (an e-mail keeps its blank lines).
            body = "\n".join(p.strip() for p in body.split("\n\n") if p.strip())
            cached = self._cache[key] = (title[:300], body)
        return cached


def email_message(*, kind: Kind, context: Mapping[str, Any], path: str, language: str,
                  name: str, to: str, reference: str = "") -> EmailMultiAlternatives:
    """The e-mail of one reminder: subject, plain text and HTML in ``language``.

    ``reference`` makes the Message-ID deterministic, so that a message sent twice (a worker
    killed after the mail server took it, before its "sent" mark was saved) can be recognised
    as one by mail systems.
    """
    language = language_or_default(language)
    with translation.override(language):
        url = absolute_url(path, language)
        ctx = {
            **context,
            "name": name,
            "url": url,
            "site_url": site_url(),
            "kind": kind,
            "preferences_url": site_url() + reverse("notifications:preferences"),
            "LANGUAGE_CODE": language,
        }
        subject = _one_line(render_to_string(kind.subject_template, ctx))
        body = render_to_string(kind.body_template, ctx).strip()
        try:
            html_body = render_to_string(kind.html_template, ctx)
        except TemplateDoesNotExist:
            html_body = ""
        layout = {**ctx, "subject": subject, "body": body, "html_body": html_body,
                  "paragraphs": [p.strip() for p in body.split("\n\n") if p.strip()]}
        text = render_to_string("notifications/email/message.txt", layout)
        html = render_to_string("notifications/email/message.html", layout)
    message = EmailMultiAlternatives(subject, text, to=[to])
    message.attach_alternative(html, "text/html")
    if reference:
        host = site_url().split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "localhost"
        message.extra_headers["Message-ID"] = f"<{reference}@{host}>"
        message.extra_headers["X-Academy-Reminder"] = reference
    return message


def reminder_email(reminder: Any, private_context: Mapping[str, Any] | None = None
                   ) -> EmailMultiAlternatives:
    """The e-mail of a ``Reminder`` row (its recipient loaded); ``private_context`` adds
    values that are not stored with the reminder (a link carrying a secret)."""
    user = reminder.recipient
    return email_message(
        kind=get_kind(reminder.kind),
        context={**(reminder.context or {}), **(private_context or {})}, path=reminder.url,
        language=reminder.language, name=user.get_full_name(), to=user.email,
        reference=f"reminder-{reminder.pk}.{reminder.created_at:%Y%m%d%H%M%S}",
    )


def sms_params(variables: Any, context: Mapping[str, Any], *, name: str,
               language: str, limit: int) -> dict[str, str]:
    """The values of an SMS template's variables (``[[name, source], ...]`` in the
    template's order, or a mapping), each filled from the reminder's context by its small
    template (``{{ course }}``) and cut to the provider's ``limit``."""
    from django.template import Context, engines

    engine = engines["django"].engine
    values = {}
    with translation.override(language_or_default(language)):
        ctx = Context({**context, "name": name}, autoescape=False)
        pairs = variables.items() if isinstance(variables, Mapping) else variables
        for variable, source in pairs:
            text = _one_line(engine.from_string(str(source)).render(ctx))
            values[str(variable)] = text[:limit]
    return values


def wecom_text(reminder: Any, renderer: Renderer | None = None) -> str:
    """A reminder as a WeCom text message: title, text and the link."""
    language = language_or_default(reminder.language)
    title, body = (renderer or Renderer()).title_body(get_kind(reminder.kind),
                                                       reminder.context or {}, language)
    parts = [title, body]
    if reminder.url:
        with translation.override(language):
            parts.append(absolute_url(reminder.url, language))
    return "\n".join(p for p in parts if p)
