"""Storing the images of questions: checking an image's bytes, saving a version's images, and
carrying them to a new version.

An image is accepted only if its bytes are a PNG, JPEG, GIF or WebP image that Pillow can read,
within ``EXAMS_IMAGE_MAX_BYTES`` and ``EXAMS_IMAGE_MAX_PIXELS``; the type comes from the bytes,
never from the name. Files go through Django's storage API under random names.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from academy.errors import ApplicationError
from exams.models import QuestionImage, QuestionVersion

from ..conf import exams_settings

#: (first bytes, content type) of the accepted formats; WebP is RIFF....WEBP.
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)
_PILLOW_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF",
                   "image/webp": "WEBP"}


@dataclass(frozen=True)
class ImageUpload:
    """An image to store with a question version, by the name its text refers to."""

    name: str
    content: bytes
    content_type: str


def question_image_check(*, name: str, content: bytes) -> str:
    """The content type of image ``name`` from its bytes; ApplicationError (with the reason,
    naming the image) if it is empty, too large, not PNG/JPEG/GIF/WebP or unreadable."""
    limit = exams_settings.IMAGE_MAX_BYTES
    if not content:
        raise ApplicationError(_("The image “%(name)s” is empty.") % {"name": name})
    if len(content) > limit:
        raise ApplicationError(_("The image “%(name)s” is larger than %(limit)s MB.")
                               % {"name": name, "limit": f"{limit / 1048576:g}"})
    content_type = next((ctype for magic, ctype in _SIGNATURES if content.startswith(magic)),
                        None)
    if content_type is None and content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        content_type = "image/webp"
    if content_type is None:
        raise ApplicationError(_("“%(name)s” is not a PNG, JPEG, GIF or WebP image.")
                               % {"name": name})
    from PIL import Image

    try:
        with Image.open(io.BytesIO(content)) as image:
            width, height = image.size
            if image.format != _PILLOW_FORMATS[content_type]:
                raise ValueError(image.format)
            image.verify()
    except Exception:  # noqa: BLE001 - any decoding problem: one message for the image
        raise ApplicationError(_("The image “%(name)s” is damaged or cannot be read.")
                               % {"name": name}) from None
    if width * height > exams_settings.IMAGE_MAX_PIXELS:
        raise ApplicationError(_("The image “%(name)s” has too many pixels (%(w)s × %(h)s).")
                               % {"name": name, "w": width, "h": height})
    return content_type


def question_images_store(*, version: QuestionVersion, images: Iterable[ImageUpload]) -> int:
    """Store ``images`` with ``version`` (checked again, in the caller's transaction; a name
    the version has already is left alone). Returns how many were stored."""
    stored = 0
    for upload in images:
        content_type = question_image_check(name=upload.name, content=upload.content)
        if QuestionImage.objects.filter(version=version, name=upload.name).exists():
            continue
        image = QuestionImage(version=version, name=upload.name, content_type=content_type,
                              size=len(upload.content),
                              sha256=hashlib.sha256(upload.content).hexdigest())
        image.file.save("image", ContentFile(upload.content), save=False)
        image.save()
        stored += 1
    return stored


def question_images_copy(*, source: QuestionVersion, target: QuestionVersion) -> int:
    """Give ``target`` (a new version) the images of ``source``: new rows, the same stored
    files (files are never deleted while a version refers to them)."""
    rows = [QuestionImage(version=target, name=image.name, file=image.file.name,
                          content_type=image.content_type, size=image.size,
                          sha256=image.sha256)
            for image in source.images.all()]
    QuestionImage.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def question_images_read(version: QuestionVersion) -> list[ImageUpload]:
    """A version's images with their bytes (for an export)."""
    out = []
    for image in version.images.all():
        with image.file.open("rb") as handle:
            out.append(ImageUpload(name=image.name, content=handle.read(),
                                   content_type=image.content_type))
    return out
