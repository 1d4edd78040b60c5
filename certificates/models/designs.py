"""The certificate's design, which an administrator changes without code, and its history.

A ``CertificateDesign`` is one version of what the PDF says and how it looks, per language:
title, heading, the body sentence (with placeholders such as ``{name}`` and ``{level}``), the
issuing body, the signatory line; two colours, the border, an optional seal and logo image, and
where the QR code sits. Versions: at most one *draft* (what the admin edits and previews), at
most one *active* (what every rendering uses), and the *retired* ones kept as history. Only a
draft changes; activating it retires the previous design (``services/designs.py``). Without any
active row the built-in design (``CertificateDesign.builtin()``, from the settings) is used.

``CertificateRendering`` remembers which design version rendered each stored PDF (per
certificate and language), so the back office can tell which PDFs predate the current design.

Placeholders are filled by ``text_fill``, never by ``str.format`` on the admin's text: only the
whitelisted names in ``PLACEHOLDERS`` are replaced, and attribute access, indexing, conversions
and format specifications are refused when the design is saved (``placeholders_check``).
"""

from __future__ import annotations

import string
from collections.abc import Mapping

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..conf import app_settings

PLACEHOLDERS: tuple[str, ...] = (
    "name", "level", "valid_from", "valid_until", "serial", "issuing_body",
)
IMAGE_FORMATS = frozenset({"PNG", "JPEG"})
IMAGE_MAX_BYTES = 1024 * 1024
IMAGE_MAX_SIDE = 3000
IMAGE_MIN_SIDE = 32

hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$",
                            _("Enter a colour as # and six hexadecimal digits, e.g. #9a7b2f."))


def _parsed(text: str) -> list[tuple[str, str | None, str | None, str | None]]:
    return list(string.Formatter().parse(text))


def placeholders_check(text: str) -> None:
    """Refuse anything in ``text`` but literal text, ``{{``/``}}`` and the whitelisted
    ``{placeholder}`` names (no attribute access, index, conversion or format)."""
    allowed = ", ".join("{" + name + "}" for name in PLACEHOLDERS)
    try:
        parts = _parsed(text or "")
    except ValueError as exc:
        raise ValidationError(
            _("A brace is not closed. Write {{ or }} for a literal brace; placeholders are: "
              "%(allowed)s."), params={"allowed": allowed}, code="braces",
        ) from exc
    for _literal, field, spec, conversion in parts:
        if field is None:
            continue
        if field not in PLACEHOLDERS or spec or conversion:
            shown = "{" + field + ("!" + conversion if conversion else "") + \
                (":" + spec if spec else "") + "}"
            raise ValidationError(
                _("Unknown placeholder %(placeholder)s. You can use: %(allowed)s."),
                params={"placeholder": shown, "allowed": allowed}, code="placeholder",
            )


def text_fill(text: str, values: Mapping[str, str]) -> str:
    """``text`` with each whitelisted placeholder replaced by ``values[name]``.

    Anything else that looks like a field (which ``placeholders_check`` refuses on save) is
    dropped rather than evaluated; unbalanced braces leave the text as it is.
    """
    try:
        parts = _parsed(text or "")
    except ValueError:
        return text
    out: list[str] = []
    for literal, field, spec, conversion in parts:
        out.append(literal)
        if field is not None and field in PLACEHOLDERS and not spec and not conversion:
            out.append(str(values.get(field, "")))
    return "".join(out)


def design_image_validate(file) -> None:
    """A PNG or JPEG of at most 1 MiB and 3,000 pixels a side (Pillow reads the header; the
    extension alone proves nothing)."""
    from PIL import Image, UnidentifiedImageError

    if file is None:
        return
    if file.size > IMAGE_MAX_BYTES:
        raise ValidationError(_("The image is larger than 1 MB."), code="size")
    position = file.tell() if hasattr(file, "tell") else 0
    try:
        file.seek(0)
        with Image.open(file) as image:
            kind, (width, height) = image.format, image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError) as exc:
        raise ValidationError(_("This file is not a PNG or JPEG image."), code="image") from exc
    finally:
        file.seek(position)
    if kind not in IMAGE_FORMATS:
        raise ValidationError(_("Upload a PNG or JPEG image."), code="format")
    if max(width, height) > IMAGE_MAX_SIDE or min(width, height) < IMAGE_MIN_SIDE:
        raise ValidationError(
            _("The image must be between %(min)s and %(max)s pixels on each side."),
            params={"min": IMAGE_MIN_SIDE, "max": IMAGE_MAX_SIDE}, code="dimensions",
        )


IMAGE_VALIDATORS = [FileExtensionValidator(["png", "jpg", "jpeg"]), design_image_validate]

# The fields an admin edits (the form's and the copy's list); the rest is bookkeeping.
TEXT_FIELDS = ("title_zh", "title_en", "heading_zh", "heading_en", "body_zh", "body_en",
               "issuing_body_zh", "issuing_body_en", "signatory_zh", "signatory_en")
STYLE_FIELDS = ("ink_colour", "accent_colour", "border_style", "qr_position")
IMAGE_FIELDS = ("seal", "logo")
EDITABLE_FIELDS = TEXT_FIELDS + STYLE_FIELDS + IMAGE_FIELDS + ("note",)

DEFAULT_HEADING_ZH = "兹证明"
DEFAULT_HEADING_EN = "This is to certify that"
DEFAULT_BODY_ZH = "已完成规定的培训与考核，达到全部要求，认定为"
DEFAULT_BODY_EN = "has met every requirement and is certified at the level of"


class CertificateDesign(models.Model):
    """One version of the certificate's design (see the module docstring)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        ACTIVE = "active", _("in use")
        RETIRED = "retired", _("retired")

    class Border(models.TextChoices):
        DOUBLE = "double", _("double line")
        SINGLE = "single", _("single line")
        CORNERS = "corners", _("line with corner ornaments")
        NONE = "none", _("no border")

    class QrPosition(models.TextChoices):
        BOTTOM_RIGHT = "bottom_right", _("bottom right")
        BOTTOM_LEFT = "bottom_left", _("bottom left")
        TOP_RIGHT = "top_right", _("top right")
        TOP_LEFT = "top_left", _("top left")

    version = models.PositiveIntegerField(_("version"), unique=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.DRAFT)
    note = models.CharField(_("what changed"), max_length=200, blank=True,
                            help_text=_("A short note for the history, e.g. “new seal”."))

    title_zh = models.CharField(_("title (Chinese)"), max_length=40)
    title_en = models.CharField(_("title (English)"), max_length=80)
    heading_zh = models.CharField(_("heading (Chinese)"), max_length=60, blank=True,
                                  help_text=_("Above the holder's name, e.g. 兹证明."))
    heading_en = models.CharField(_("heading (English)"), max_length=80, blank=True)
    body_zh = models.CharField(
        _("body (Chinese)"), max_length=200, blank=True, validators=[placeholders_check],
        help_text=_("Below the holder's name, before the level. Placeholders: {name}, {level}, "
                    "{valid_from}, {valid_until}, {serial}, {issuing_body}."),
    )
    body_en = models.CharField(_("body (English)"), max_length=300, blank=True,
                               validators=[placeholders_check])
    issuing_body_zh = models.CharField(_("issuing body (Chinese)"), max_length=60)
    issuing_body_en = models.CharField(_("issuing body (English)"), max_length=120)
    signatory_zh = models.CharField(
        _("signatory line (Chinese)"), max_length=60, blank=True,
        validators=[placeholders_check], help_text=_("Under the issuing body, e.g. 局长：王某某."),
    )
    signatory_en = models.CharField(_("signatory line (English)"), max_length=120, blank=True,
                                    validators=[placeholders_check])

    ink_colour = models.CharField(_("text colour"), max_length=7, default="#1f2a44",
                                  validators=[hex_colour])
    accent_colour = models.CharField(_("accent colour"), max_length=7, default="#9a7b2f",
                                     validators=[hex_colour],
                                     help_text=_("The border, the rule and the level."))
    border_style = models.CharField(_("border"), max_length=10, choices=Border.choices,
                                    default=Border.DOUBLE)
    qr_position = models.CharField(_("QR code position"), max_length=12,
                                   choices=QrPosition.choices, default=QrPosition.BOTTOM_RIGHT)
    seal = models.ImageField(
        _("seal"), upload_to="certificates/designs/", blank=True, validators=IMAGE_VALIDATORS,
        help_text=_("Optional. PNG or JPEG, at most 1 MB; placed behind the issuing body "
                    "(transparent parts print white)."),
    )
    logo = models.ImageField(
        _("logo"), upload_to="certificates/designs/", blank=True, validators=IMAGE_VALIDATORS,
        help_text=_("Optional. PNG or JPEG, at most 1 MB; shown above the title."),
    )

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="+",
    )
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    activated_at = models.DateTimeField(_("put in use"), null=True, blank=True)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("put in use by"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="+",
    )

    class Meta:
        ordering = ["-version"]
        verbose_name = _("certificate design")
        verbose_name_plural = _("certificate designs")
        constraints = [
            models.UniqueConstraint(fields=["status"], condition=models.Q(status="active"),
                                    name="certificates_design_one_active"),
            models.UniqueConstraint(fields=["status"], condition=models.Q(status="draft"),
                                    name="certificates_design_one_draft"),
            models.CheckConstraint(
                condition=models.Q(status="draft") | models.Q(activated_at__isnull=False),
                name="certificates_design_used_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"v{self.version}" if self.pk else str(_("built-in design"))

    @classmethod
    def builtin(cls) -> CertificateDesign:
        """The design used while no version is active (unsaved), from the settings."""
        return cls(
            version=0, status=cls.Status.ACTIVE,
            title_zh=app_settings.CERT_TITLE or "证书",
            title_en=app_settings.CERT_TITLE_EN or "Certificate",
            heading_zh=DEFAULT_HEADING_ZH, heading_en=DEFAULT_HEADING_EN,
            body_zh=DEFAULT_BODY_ZH, body_en=DEFAULT_BODY_EN,
            issuing_body_zh=app_settings.CERT_ISSUING_BODY,
            issuing_body_en=app_settings.CERT_ISSUING_BODY_EN
            or app_settings.CERT_ISSUING_BODY,
        )

    def text(self, field: str, language: str) -> str:
        """The ``field`` (``title``, ``body``, …) in ``language``. An English signatory line
        left empty repeats the Chinese one (a name and title read the same); an empty English
        heading or body stays empty rather than print Chinese on an English certificate."""
        chinese = getattr(self, f"{field}_zh")
        if language.startswith("en"):
            english = getattr(self, f"{field}_en")
            return english or (chinese if field == "signatory" else "")
        return chinese

    def values(self) -> dict[str, object]:
        """The editable fields as a dict (to copy a version into a new draft); images by their
        stored name, so that the copy refers to the same file."""
        return {name: getattr(self, name).name if name in IMAGE_FIELDS else getattr(self, name)
                for name in EDITABLE_FIELDS}


class CertificateRendering(models.Model):
    """Which design version rendered a certificate's stored PDF in one language."""

    certificate = models.ForeignKey(
        "certificates.Certificate", verbose_name=_("certificate"), on_delete=models.CASCADE,
        related_name="renderings",
    )
    language = models.CharField(_("language"), max_length=10)
    design = models.ForeignKey(
        CertificateDesign, verbose_name=_("design"), on_delete=models.PROTECT, null=True,
        blank=True, related_name="renderings",
        help_text=_("Empty: the built-in design."),
    )
    rendered_at = models.DateTimeField(_("rendered"))

    class Meta:
        verbose_name = _("PDF rendering")
        verbose_name_plural = _("PDF renderings")
        constraints = [
            models.UniqueConstraint(fields=["certificate", "language"],
                                    name="certificates_rendering_unique"),
        ]
        indexes = [models.Index(fields=["design"])]

    def __str__(self) -> str:
        return f"{self.certificate_id} {self.language} → {self.design or '—'}"


def design_active() -> CertificateDesign:
    """The design renderings use now: the active version, else the built-in design."""
    return (CertificateDesign.objects.filter(status=CertificateDesign.Status.ACTIVE).first()
            or CertificateDesign.builtin())
