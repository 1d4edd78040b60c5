"""The class-hour transcript: the broker's own, and any broker's for those who may see them."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from academy.audit.services import audit_record
from academy.people.models import User
from academy.people.selectors import Role, role_required

from ..conf import app_settings
from ..rendering.pdf import transcript_pdf
from ..selectors import can_view_broker_record, transcript_for


def _subject(request, user_id: int | None) -> User:
    if user_id is None:
        return request.user
    subject = get_object_or_404(User, pk=user_id, broker_profile__isnull=False)
    if not can_view_broker_record(request.user, subject):
        raise PermissionDenied
    return subject


@role_required(Role.BROKER)
def my_transcript(request):
    return _page(request, request.user)


@login_required
def broker_transcript(request, user_id: int):
    return _page(request, _subject(request, user_id))


def _page(request, subject: User):
    return render(request, "courses/transcript.html", {
        "transcript": transcript_for(user=subject),
        "subject": subject,
        "own": subject.pk == request.user.pk,
    })


@role_required(Role.BROKER)
def my_transcript_pdf(request):
    return _pdf(request, request.user)


@login_required
def broker_transcript_pdf(request, user_id: int):
    return _pdf(request, _subject(request, user_id))


def _pdf(request, subject: User) -> HttpResponse:
    transcript = transcript_for(user=subject)
    if subject.pk != request.user.pk:
        # A staff member exporting someone's record: personal data leaving the system.
        audit_record(action="courses.transcript_exported", subject=subject, person=subject,
                     after={"total_hours": str(transcript.total)})
    issuer = app_settings.ISSUER_NAME
    content = transcript_pdf(transcript, issuer=issuer)
    filename = f"transcript-{subject.pk}-{timezone.localdate():%Y%m%d}.pdf"
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
