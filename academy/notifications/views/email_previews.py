"""E-mail template previews for administrators: every kind's e-mail in each language."""

from __future__ import annotations

from csp.constants import NONE, SELF, UNSAFE_INLINE
from csp.decorators import csp_replace
from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import render

from academy.people.selectors import Role, role_required

from .. import previews


@role_required(Role.ADMIN)
def templates_list(request):
    """Every kind with links to its e-mail in each language."""
    return render(request, "notifications/templates.html", {
        "kinds": previews.kinds_with_templates(),
        "languages": settings.LANGUAGES,
    })


@role_required(Role.ADMIN)
def template_preview(request, kind: str, language: str):
    """One kind's e-mail in one language, with its example context: subject, text, HTML."""
    preview = previews.preview(kind, language)
    if preview is None:
        raise Http404
    return render(request, "notifications/template_preview.html", {
        "preview": preview, "languages": settings.LANGUAGES,
    })


@role_required(Role.ADMIN)
@csp_replace({"style-src": [UNSAFE_INLINE], "script-src": [NONE], "img-src": [SELF, "data:"]})
def template_preview_html(request, kind: str, language: str):
    """The HTML part of the e-mail as its own document. E-mail clients need inline styles,
    so this one response allows them (and nothing else: no scripts, no frames)."""
    preview = previews.preview(kind, language)
    if preview is None:
        raise Http404
    return HttpResponse(preview.html)
