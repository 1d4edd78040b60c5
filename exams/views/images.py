"""The images of questions, served only to whoever may see them (never a public media URL)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404

from ..models import QuestionImage
from ..selectors import question_image_visible


@login_required
def question_image(request, pk: int):
    """An image of a question version: to staff who see exam content, and to an examinee
    whose attempt drew the version (an explanation's image once the result shows it)."""
    image = get_object_or_404(QuestionImage.objects.select_related("version"), pk=pk)
    if not question_image_visible(user=request.user, image=image):
        raise PermissionDenied
    try:
        handle = image.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=image.content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
