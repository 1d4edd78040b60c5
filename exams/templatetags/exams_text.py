"""A question's text with its images in place, for every page that shows stems or
explanations (the exam page, the result, the bank, grading)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from ..selectors import question_text_html, version_image_urls

register = template.Library()


@register.filter
def exams_rich(text: Any, images: Any) -> SafeString:
    """``text`` escaped, with its ``[[image:NAME]]`` shown from ``images``: a ``{name: url}``
    mapping, or a question version (its images; prefetch them for a list)."""
    if hasattr(images, "images"):
        images = version_image_urls(images)
    return question_text_html(str(text or ""), images or {})
