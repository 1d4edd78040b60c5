"""Accounts: people sign in with their e-mail address; roles are Django groups."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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
        from ..names import name_pinyin

        update_fields = kwargs.get("update_fields")
        if update_fields is None or "email" in update_fields:
            self.email = (self.email or "").strip().lower()
        # A save of other fields only (last_login at every sign-in) leaves the name alone.
        if update_fields is None or "full_name" in update_fields:
            self.name_pinyin, self.name_initials = name_pinyin(self.full_name)
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "name_pinyin", "name_initials"}
        super().save(*args, **kwargs)

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name or self.email.split("@")[0]
