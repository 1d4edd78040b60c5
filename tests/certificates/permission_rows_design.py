"""Who may open the certificate design pages and the bulk runs (merged into
permission_rows.py): the design is the administrators' alone; auditors watch bulk runs and
their progress but start nothing. Nothing here belongs to a broker or a trainer."""

from __future__ import annotations

import shutil

from django.utils import timezone

from tests.ui.matrix import NOT_FOUND, OK, REDIRECT, Row, logged_in


def _design():
    from certificates.models.designs import CertificateDesign

    values = CertificateDesign.builtin().values()
    design = CertificateDesign.objects.create(
        **values, version=CertificateDesign.objects.count() + 1,
        status=CertificateDesign.Status.RETIRED, activated_at=timezone.now())
    return {"pk": design.pk}


def _run():
    from certificates.models.bulk import BulkRun

    run = BulkRun.objects.create(kind=BulkRun.Kind.RERENDER, active_key="rerender", total=10,
                                 done=3, status=BulkRun.Status.RUNNING)
    return {"pk": run.pk}


ADMIN = logged_in({"admin": OK})
WATCH = logged_in({"admin": OK, "auditor": OK})

ROWS = {
    "certificates:design_overview": Row(ADMIN),
    "certificates:design_edit": Row(ADMIN),
    "certificates:design_detail": Row(ADMIN, kwargs=_design),
    "certificates:design_preview": Row(ADMIN, kwargs=lambda: {"pk": 0},
                                       note="0: the built-in design"),
    "certificates:design_thumbnail": Row(
        logged_in({"admin": OK if shutil.which("pdftoppm") else NOT_FOUND}),
        kwargs=lambda: {"pk": 0}, note="404 where poppler's pdftoppm is not installed"),
    "certificates:design_activate": Row(
        logged_in({"admin": REDIRECT}), kwargs=_design, method="post",
        note="a retired version is refused with a message"),
    "certificates:design_copy": Row(logged_in({"admin": REDIRECT}), kwargs=_design,
                                    method="post"),
    "certificates:design_discard": Row(logged_in({"admin": REDIRECT}), method="post",
                                       note="no draft: a message"),
    "certificates:bulk_list": Row(WATCH),
    "certificates:bulk_rerender": Row(logged_in({"admin": 400}), method="post",
                                      note="no certificates: the page with the reason"),
    "certificates:bulk_issue_cohort": Row(logged_in({"admin": 400}), method="post",
                                          note="no cohort chosen: the inline error"),
    "certificates:bulk_detail": Row(WATCH, kwargs=_run),
    "certificates:bulk_progress": Row(WATCH, kwargs=_run),
    "certificates:bulk_resume": Row(logged_in({"admin": REDIRECT}), kwargs=_run,
                                    method="post"),
}
