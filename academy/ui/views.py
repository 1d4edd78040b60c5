"""Each role's home page and the health endpoint."""

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from academy.health import health_report
from academy.people.selectors import Role, primary_role

from . import selectors


@login_required
def home(request):
    role = primary_role(request.user)
    if role is None:
        return render(request, "ui/home_no_role.html", status=403)
    context = selectors.home_context(user=request.user, role=role)
    return render(request, f"ui/home_{role}.html", context)


@require_GET
def glossary(request):
    """The domain's words in Chinese and English with what they mean (public)."""
    from .glossary import LEVEL_WORDS_NOTE, TERMS

    return render(request, "ui/glossary.html", {
        "terms": [(t, *t.both()) for t in TERMS], "level_note": LEVEL_WORDS_NOTE})


@never_cache
@require_GET
def healthz(request):
    report = health_report()
    return JsonResponse(report, status=200 if report["ok"] else 503)


def media_refused(request, path: str):
    """Every path under MEDIA_URL: private files are served only by the views that check
    permission (evidence, certificate PDFs and credentials, exports), never by path."""
    from django.http import Http404

    raise Http404


ROLE_TEMPLATES = {role: f"ui/home_{role}.html" for role in Role.values}
