"""Images of questions: where a text refers to them, how a text shows them, and who may see
one.

A stem or explanation refers to an image of its version as ``[[image:NAME]]`` or
``[[image:NAME|alternative text]]``; ``question_text_html`` turns such a text into HTML with the
images in place (everything else escaped, so a question's text can never inject markup). The
images are private files: ``question_image_visible`` says who may fetch one through the
permission-checked view (staff who see exam content; the examinee whose attempt drew the
version, for an image of its stem, and for an image of its explanation only once the result
shows the explanations).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from exams.models import Attempt, AttemptItem, QuestionImage, QuestionVersion

#: ``[[image:NAME]]`` or ``[[image:NAME|alternative text]]``.
IMAGE_MARKER = re.compile(r"\[\[image:([^\]|\n]+?)(?:\|([^\]\n]*))?\]\]")


def image_marker(name: str, alt: str = "") -> str:
    """The text that shows image ``name`` (``alt`` without ``]`` or new lines)."""
    alt = re.sub(r"[\]\n|]+", " ", alt).strip()
    return f"[[image:{name}|{alt}]]" if alt else f"[[image:{name}]]"


def image_names(text: str) -> list[str]:
    """The names of the images ``text`` refers to, in order, each once."""
    return list(dict.fromkeys(m.group(1).strip() for m in IMAGE_MARKER.finditer(text or "")))


def image_url(image_id: int) -> str:
    """Where the permission-checked view serves image ``image_id``."""
    return reverse("exams:question_image", args=[image_id])


def version_image_urls(version: QuestionVersion) -> dict[str, str]:
    """``{name: url}`` of a version's images (uses ``prefetch_related("images")`` if done)."""
    return {image.name: image_url(image.pk) for image in version.images.all()}


def image_urls_for_versions(version_ids: Iterable[int]) -> dict[int, dict[str, str]]:
    """``{version_id: {name: url}}`` for many versions: one query."""
    urls: dict[int, dict[str, str]] = {}
    for pk, version_id, name in QuestionImage.objects.filter(
            version_id__in=list(version_ids)).values_list("pk", "version_id", "name"):
        urls.setdefault(version_id, {})[name] = image_url(pk)
    return urls


def question_text_html(text: str, images: Mapping[str, str]) -> SafeString:
    """``text`` as HTML: escaped, with each ``[[image:NAME]]`` of ``images`` (name → URL)
    shown as the image; a marker naming no image of the version stays as text."""
    out: list[str] = []
    position = 0
    for match in IMAGE_MARKER.finditer(text or ""):
        url = images.get(match.group(1).strip())
        if url is None:
            continue
        out.append(escape(text[position:match.start()]))
        out.append(format_html('<img class="question-image" src="{}" alt="{}" loading="lazy">',
                               url, (match.group(2) or "").strip()))
        position = match.end()
    out.append(escape((text or "")[position:]))
    return mark_safe("".join(out))  # noqa: S308 - every piece above is escaped


def text_without_images(text: str) -> str:
    """``text`` with its image markers left out (for a format that cannot carry images)."""
    return re.sub(r"[ \t]*" + IMAGE_MARKER.pattern + r"[ \t]*", " ", text or "").strip()


def question_image_visible(*, user: Any, image: QuestionImage) -> bool:
    """Whether ``user`` may see ``image``: staff who see exam content (trainers, admins,
    auditors) always; an examinee if one of their attempts drew the version and the image is
    in its stem, or in its explanation once that attempt's result shows the explanations."""
    from academy.people.selectors import Role, user_roles

    if not getattr(user, "is_authenticated", False):
        return False
    if user_roles(user) & {Role.TRAINER, Role.ADMIN, Role.AUDITOR}:
        return True
    version = image.version
    drawn = AttemptItem.objects.filter(question_version_id=version.pk, attempt__user=user)
    if image.name in image_names(version.stem):
        return drawn.exists()
    if image.name not in image_names(version.explanation):
        return False
    from exams.services.exposure import attempt_keys_visible

    released = (Attempt.objects.filter(pk__in=drawn.values("attempt_id"),
                                       status=Attempt.Status.RELEASED)
                .select_related("sitting"))
    return any(attempt_keys_visible(attempt) for attempt in released)
