"""People: accounts, levels, regions, organisations and broker profiles."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .validators import mask_national_id, mask_phone, validate_national_id, validate_phone


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra) -> User:
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """An account. People log in with their e-mail address; there are no usernames."""

    email = models.EmailField(_("e-mail address"), max_length=254, unique=True)
    full_name = models.CharField(_("full name"), max_length=100, blank=True)
    # The name in pinyin (full, for the order of lists; initials, for the search box): set
    # from full_name on every save (academy/people/names.py).
    name_pinyin = models.CharField(_("name in pinyin"), max_length=200, blank=True,
                                   editable=False, db_index=True)
    name_initials = models.CharField(_("initials in pinyin"), max_length=50, blank=True,
                                     editable=False, db_index=True)
    is_staff = models.BooleanField(
        _("admin site access"),
        default=False,
        help_text=_("Whether the person may log in to the Django admin."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # Stored lower-case, so the unique index is also case-insensitive.
            models.CheckConstraint(
                condition=models.Q(email=Lower("email")), name="people_user_email_lowercase"
            ),
        ]
        # Lists of people are ordered by name (the talent pool's broker list: its first page
        # reads 50 names in order instead of sorting every broker).
        # The deactivated accounts, a few among many: the talent pool counts its active
        # brokers as "every profile but these" (an anti-join of two index-only scans, about
        # four times cheaper at 100,000 brokers than joining every profile to its user).
        indexes = [
            models.Index(fields=["full_name"], name="people_user_full_name_idx"),
            models.Index(fields=["id"], condition=models.Q(is_active=False),
                         name="people_user_inactive_idx"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def save(self, *args, **kwargs) -> None:
        from .names import name_pinyin

        self.email = (self.email or "").strip().lower()
        self.name_pinyin, self.name_initials = name_pinyin(self.full_name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "full_name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_pinyin", "name_initials"}
        super().save(*args, **kwargs)

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name or self.email.split("@")[0]


class BilingualName:
    """For reference rows named in Chinese with an optional English name (levels, regions,
    course areas, tags): ``display_name`` is the name in the active language."""

    name: str
    name_en: str

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name


class Level(BilingualName, models.Model):
    """A level of the national framework; rows an admin edits (初级, 中级, 高级)."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=50)
    name_en = models.CharField(_("English name"), max_length=80, blank=True)
    rank = models.PositiveSmallIntegerField(
        _("rank"), unique=True, help_text=_("1 for the first level, 2 for the next, and so on.")
    )
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["rank"]
        verbose_name = _("level")
        verbose_name_plural = _("levels")


    def next_level(self) -> Level | None:
        return Level.objects.filter(rank__gt=self.rank).order_by("rank").first()


class Region(BilingualName, models.Model):
    """A county or district of the city (seeded; an admin may add more)."""

    code = models.CharField(_("code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=50, unique=True)
    name_en = models.CharField(_("English name"), max_length=80, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")



class Organisation(models.Model):
    """The employer of a broker: a firm, university, institute or service agency."""

    class Kind(models.TextChoices):
        ENTERPRISE = "enterprise", _("Enterprise")
        UNIVERSITY = "university", _("University")
        INSTITUTE = "institute", _("Research institute")
        AGENCY = "agency", _("Technology-transfer agency")
        GOVERNMENT = "government", _("Government body")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="organisations",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class BrokerProfile(models.Model):
    """A technology broker: level and since when, region, organisation, contact, ID."""

    user = models.OneToOneField(
        User, verbose_name=_("account"), on_delete=models.CASCADE, related_name="broker_profile"
    )
    level = models.ForeignKey(
        Level, verbose_name=_("level"), on_delete=models.PROTECT, related_name="brokers"
    )
    level_since = models.DateField(_("level reached on"), null=True, blank=True)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="brokers"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="brokers",
    )
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True,
                             validators=[validate_phone])
    national_id = models.CharField(_("national ID number"), max_length=18, blank=True,
                                   validators=[validate_national_id])
    # Optional professional title (职称); rules differ by province.
    title_series = models.CharField(_("title series"), max_length=50, blank=True)
    title_level = models.CharField(_("title level"), max_length=20, blank=True)
    title_obtained = models.CharField(_("title obtained by"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["user__full_name"]
        verbose_name = _("broker profile")
        verbose_name_plural = _("broker profiles")
        constraints = [
            models.UniqueConstraint(
                fields=["national_id"],
                condition=~models.Q(national_id=""),
                name="people_broker_national_id_unique",
            ),
        ]
        indexes = [models.Index(fields=["level", "region"])]

    def __str__(self) -> str:
        return str(self.user)

    @property
    def national_id_masked(self) -> str:
        return mask_national_id(self.national_id)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)


class RosterImport(models.Model):
    """One uploaded roster file that was imported (a file with errors leaves no record)."""

    uploaded_by = models.ForeignKey(
        User, verbose_name=_("uploaded by"), on_delete=models.SET_NULL, null=True,
        related_name="roster_imports",
    )
    file_name = models.CharField(_("file name"), max_length=255)
    file_sha256 = models.CharField(_("SHA-256 of the file"), max_length=64, db_index=True)
    created_at = models.DateTimeField(_("imported at"), default=timezone.now, db_index=True)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    created_count = models.PositiveIntegerField(_("accounts created"), default=0)
    unchanged_count = models.PositiveIntegerField(_("rows unchanged"), default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("roster import")
        verbose_name_plural = _("roster imports")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.created_at:%Y-%m-%d %H:%M})"


class Invitation(models.Model):
    """An invitation to set a password, e-mailed to a person whose account was created for them.

    Only the SHA-256 of the link's token is stored: the token itself exists only in the
    e-mail, so a copy of the database cannot be used to take over accounts. Sending again
    (an admin's resend) replaces the token, which makes earlier links stop working.
    """

    user = models.ForeignKey(
        User, verbose_name=_("person"), on_delete=models.CASCADE, related_name="invitations"
    )
    token_hash = models.CharField(
        _("token hash"), max_length=64, blank=True, editable=False,
        help_text=_("SHA-256 of the link's token; empty until the e-mail is sent."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    created_by = models.ForeignKey(
        User, verbose_name=_("invited by"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    roster_import = models.ForeignKey(
        RosterImport, verbose_name=_("roster import"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="invitations",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["token_hash"], condition=~models.Q(token_hash=""),
                name="people_invitation_token_hash_unique",
            ),
            # At most one open invitation per person: resending reuses it.
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(accepted_at__isnull=True),
                name="people_invitation_one_open_per_user",
            ),
        ]

    def __str__(self) -> str:
        return str(self.user)

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.is_expired:
            return "expired"
        if self.sent_at:
            return "sent"
        return "pending"

    @property
    def status_label(self) -> str:
        return str(INVITATION_STATUS_LABELS[self.status])


INVITATION_STATUS_LABELS = {
    "pending": _("Waiting to be sent"),
    "sent": _("Sent"),
    "expired": _("Expired"),
    "accepted": _("Accepted"),
}


# --- Practice records (technology deals a broker facilitated) ------------------------------------
# Practice records: services, selectors and pages in academy/people/practice/


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
