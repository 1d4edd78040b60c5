"""Practice records (technology deals a broker facilitated), their frozen revisions and
evidence files. Services, selectors and pages: ``academy/people/practice/``."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .users import User


class PracticeRecord(models.Model):
    """A technology deal the broker facilitated, as registered with a technical-contract
    registry (技术合同认定登记), submitted for review. Only approved records count toward a
    level's requirements.

    The broker edits a draft and submits it, which freezes it as a revision
    (``PracticeRecordRevision``); a change after submission makes a new revision that goes
    back to review, and an approval names the revision approved. A rejected record may be
    corrected and submitted again. A registration number backs at most
    one approved record per broker (a database constraint, not only code).
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Awaiting review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    class BrokerRole(models.TextChoices):
        LEAD = "lead", _("Lead broker")
        CO_BROKER = "co_broker", _("Co-broker")
        ADVISER = "adviser", _("Adviser / service provider")

    class ContractKind(models.TextChoices):
        DEVELOPMENT = "development", _("Technology development")
        TRANSFER = "transfer", _("Technology transfer")
        LICENSING = "licensing", _("Technology licensing")
        CONSULTING = "consulting", _("Technology consulting")
        SERVICE = "service", _("Technology service")

    broker = models.ForeignKey(
        User, verbose_name=_("broker"), on_delete=models.PROTECT,
        related_name="practice_records",
    )
    contract_name = models.CharField(_("contract name"), max_length=200)
    contract_kind = models.CharField(
        _("contract type"), max_length=20, choices=ContractKind.choices,
        default=ContractKind.TRANSFER,
    )
    registration_number = models.CharField(
        _("registration number"), max_length=40,
        help_text=_("The number the technical-contract registry gave the contract "
                    "(技术合同登记编号)."),
    )
    registry = models.CharField(
        _("registry"), max_length=200,
        help_text=_("The technical-contract registration office (认定登记机构)."),
    )
    party_a = models.CharField(
        _("party A (client / transferee)"), max_length=200,
    )
    party_b = models.CharField(
        _("party B (provider / transferor)"), max_length=200,
    )
    contract_amount = models.DecimalField(
        _("contract amount (yuan)"), max_digits=14, decimal_places=2,
    )
    technical_income = models.DecimalField(
        _("certified technical income (yuan)"), max_digits=14, decimal_places=2,
        null=True, blank=True,
        help_text=_("技术性收入额, as certified by the registry."),
    )
    contract_date = models.DateField(_("contract date"))
    broker_role = models.CharField(
        _("your role"), max_length=20, choices=BrokerRole.choices, default=BrokerRole.LEAD,
    )
    description = models.TextField(_("what you did"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT,
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        User, verbose_name=_("reviewed by"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    review_comment = models.TextField(_("review comment"), blank=True)
    review_notified_at = models.DateTimeField(
        _("broker notified of the review"), null=True, blank=True, editable=False,
    )
    revision = models.PositiveIntegerField(
        _("revision"), default=0,
        help_text=_("The revision last submitted for review (0: never submitted)."),
    )
    approved_revision = models.ForeignKey(
        "people.PracticeRecordRevision", verbose_name=_("approved revision"),
        on_delete=models.PROTECT, null=True, blank=True, related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-contract_date", "-pk"]
        verbose_name = _("practice record")
        verbose_name_plural = _("practice records")
        constraints = [
            models.UniqueConstraint(
                fields=["broker", "registration_number"],
                condition=models.Q(status="approved"),
                name="people_practice_one_approved_per_number",
            ),
            models.CheckConstraint(
                condition=models.Q(contract_amount__gte=0),
                name="people_practice_amount_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(technical_income__isnull=True)
                | models.Q(technical_income__gte=0),
                name="people_practice_income_not_negative",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=["approved", "rejected"])
                | models.Q(reviewed_at__isnull=False),
                name="people_practice_reviewed_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["broker", "status"]),
            models.Index(fields=["status", "submitted_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.contract_name} ({self.registration_number})"

    @property
    def is_editable(self) -> bool:
        """The broker may still change it: not yet reviewed, or rejected (to correct)."""
        return self.status in (self.Status.DRAFT, self.Status.SUBMITTED, self.Status.REJECTED)


class PracticeRecordRevision(models.Model):
    """What the broker submitted for review, frozen: the fields and the evidence files (by
    their SHA-256), and a hash of both. Each submission (and each change after one) is a new
    revision; an approval names the revision it approved."""

    record = models.ForeignKey(
        PracticeRecord, verbose_name=_("practice record"), on_delete=models.CASCADE,
        related_name="revisions",
    )
    number = models.PositiveIntegerField(_("revision"))
    fields = models.JSONField(_("fields"))
    evidence = models.JSONField(_("evidence files"), default=list)
    content_hash = models.CharField(_("SHA-256 of fields and evidence"), max_length=64)
    submitted_at = models.DateTimeField(_("submitted"))

    class Meta:
        ordering = ["record", "number"]
        verbose_name = _("practice record revision")
        verbose_name_plural = _("practice record revisions")
        constraints = [
            models.UniqueConstraint(fields=["record", "number"],
                                    name="people_practice_revision_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.record_id} r{self.number}"


def practice_evidence_upload_to(instance: PracticeEvidence, filename: str) -> str:
    # The stored name is random: the original name is kept in a field, never in a path.
    import uuid

    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    record = instance.record
    return f"practice/{record.broker_id}/{record.pk}/{uuid.uuid4().hex}.{extension}"


class PracticeEvidence(models.Model):
    """A file backing a practice record (the registration certificate, the contract's pages).

    Stored through Django's storage API; served only through a view that checks who asks.
    """

    record = models.ForeignKey(
        PracticeRecord, verbose_name=_("practice record"), on_delete=models.CASCADE,
        related_name="evidence",
    )
    file = models.FileField(_("file"), upload_to=practice_evidence_upload_to, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=50)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        User, verbose_name=_("uploaded by"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        ordering = ["record", "pk"]
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")

    def __str__(self) -> str:
        return self.original_name
