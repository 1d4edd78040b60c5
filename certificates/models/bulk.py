"""Bulk work an administrator starts and watches: re-rendering every PDF after a design change,
issuing the certificates of a whole cohort.

The work itself is in ``services/bulk.py`` and runs in Celery (``tasks.bulk_run_process``).

A run walks its subjects (certificates or brokers) in primary-key order; ``cursor`` is the last
one finished, advanced in the same transaction as the work it stands for, so a worker killed
at any line leaves the run where it can be continued without doing anything twice. A lease
(``lease_token``, ``lease_until``) lets only one task work on a run at a time. At most one run
of the same work is unfinished at a time (``active_key``: a partial unique constraint).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class BulkRun(models.Model):
    """One bulk job, its parameters and how far it has got."""

    class Kind(models.TextChoices):
        RERENDER = "rerender", _("Re-render certificate PDFs")
        ISSUE_COHORT = "issue_cohort", _("Issue certificates for a cohort")

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        RUNNING = "running", _("running")
        DONE = "done", pgettext_lazy("bulk run status", "finished")
        FAILED = "failed", _("failed")

    UNFINISHED = (Status.PENDING, Status.RUNNING)

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    active_key = models.CharField(
        _("work"), max_length=60,
        help_text=_("What the run works on (kind and subject): one unfinished run each."),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.PENDING)
    total = models.PositiveIntegerField(_("to do"), default=0)
    done = models.PositiveIntegerField(_("done"), default=0)
    succeeded = models.PositiveIntegerField(_("changed"), default=0)
    skipped = models.PositiveIntegerField(_("left unchanged"), default=0)
    failed = models.PositiveIntegerField(_("failed"), default=0)
    cursor = models.BigIntegerField(_("last finished"), default=0)
    lease_token = models.CharField(max_length=32, blank=True, editable=False)
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    error = models.TextField(_("error"), blank=True)

    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("started by"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    updated_at = models.DateTimeField(_("last progress"), auto_now=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("bulk run")
        verbose_name_plural = _("bulk runs")
        constraints = [
            models.UniqueConstraint(
                fields=["active_key"], condition=models.Q(status__in=["pending", "running"]),
                name="certificates_bulk_one_unfinished",
            ),
            models.CheckConstraint(condition=models.Q(done__lte=models.F("total")),
                                   name="certificates_bulk_done_within_total"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()}"

    @property
    def is_finished(self) -> bool:
        return self.status not in self.UNFINISHED

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.total:
            return 0
        return min(100, self.done * 100 // self.total)


class BulkRunItem(models.Model):
    """What a run did with one subject: every broker of a cohort run, and each certificate a
    re-rendering run could not render."""

    class Outcome(models.TextChoices):
        ISSUED = "issued", pgettext_lazy("bulk run outcome", "issued")
        HELD = "held", _("already held")
        NOT_READY = "not_ready", _("not ready")
        REFUSED = "refused", _("not issued")
        FAILED = "failed", _("failed")

    run = models.ForeignKey(BulkRun, verbose_name=_("run"), on_delete=models.CASCADE,
                            related_name="items")
    subject_id = models.BigIntegerField(_("subject"))
    label = models.CharField(_("name"), max_length=200)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    detail = models.CharField(_("detail"), max_length=1000, blank=True)
    certificate = models.ForeignKey(
        "certificates.Certificate", verbose_name=_("certificate"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="+",
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        ordering = ["run", "subject_id"]
        verbose_name = _("bulk run item")
        verbose_name_plural = _("bulk run items")
        constraints = [
            models.UniqueConstraint(fields=["run", "subject_id"],
                                    name="certificates_bulk_item_unique"),
        ]
        indexes = [models.Index(fields=["run", "outcome"])]

    def __str__(self) -> str:
        return f"{self.label}: {self.outcome}"
