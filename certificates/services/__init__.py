"""Changing certificates: readiness evaluation and requirement sets, issuance, renewal,
revocation, the PDF, the signed credential, designs, bulk runs, holders, the exports.
Import from here (other apps, views, the API, tasks and commands).

One module per subject: ``readiness`` (evaluate and record each broker's readiness, edit
requirement sets), ``issuance`` (issue one certificate, revoke, reinstate, expire),
``batch`` (issue many in one transaction), ``renewal``, ``serials``, ``pdf``, ``designs``,
``bulk`` (bulk runs), ``holders`` (a holder's DID), ``filing`` and ``ecert`` (the bureau's
exports). Signing the credential is ``certificates.credentials`` (see there why it is a
package of its own); its entry points are re-exported here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..credentials.signing import credential_sign_store, credentials_sign, signing_key_generate
from .batch import (
    batch_size,
    certificate_issue_queue,
    certificates_issue_collected,
    certificates_issue_ready,
)
from .bulk import (
    BUSY,
    DONE,
    MORE,
    bulk_cohort_issue_start,
    bulk_rerender_start,
    bulk_run_progress,
    bulk_run_resume,
    bulk_run_step,
    bulk_runs_stalled,
)
from .designs import (
    design_activate,
    design_copy_to_draft,
    design_draft,
    design_draft_discard,
    design_draft_or_template,
    design_draft_save,
    design_pdfs_behind,
    design_preview_pdf,
    design_preview_png,
    thumbnails_available,
)
from .ecert import ecert_export, ecert_fields
from .filing import FilingFilters, filed_levels, filing_export, filing_summary
from .holders import holder_did_set
from .issuance import (
    ISSUED_KIND,
    REINSTATED_KIND,
    RENEWED_KIND,
    REVOKED_KIND,
    certificate_issue,
    certificate_issue_for_ready,
    certificate_issue_schedule,
    certificate_policy_changed,
    certificate_policy_summary,
    certificate_reinstate,
    certificate_revoke,
    certificate_summary,
    certificate_torch_number_set,
    certificates_expire_due,
    certificates_issue_for_promotion,
    certificates_issue_for_promotion_schedule,
    certificates_ready_uncertified,
)
from .readiness import (
    broker_requirement_set_assign,
    readiness_evaluate,
    readiness_schedule,
    readiness_sweep_batch,
    readiness_sweep_schedule,
    requirement_set_changed,
    requirement_set_new_version,
    requirement_set_publish,
    requirement_set_summary,
)
from .renewal import (
    RenewalState,
    certificate_renew,
    certificate_renewal_hours,
    certificate_renewal_state,
    certificates_renew_due,
    hours_since_issue,
    renewal_chain,
)
from .serials import serial_allocate, serial_clean, serial_format, serial_valid, verify_url

if TYPE_CHECKING:
    from ..models.designs import CertificateDesign
    from ..models.issued import Certificate


# The PDF's two entry points import ReportLab, segno and Pillow (about 25 MB) when a PDF is
# drawn, not in every process that imports this face (the web's and the worker's sweeps).

def certificate_pdf(certificate: Certificate, *, language: str = "zh-hans",
                    design: CertificateDesign | None = None) -> bytes:
    """Render ``certificate`` to PDF bytes (``pdf.certificate_pdf``)."""
    from .pdf import certificate_pdf as render

    return render(certificate, language=language, design=design)


def certificate_pdf_store(*, certificate_id: int, language: str | None = None,
                          design: CertificateDesign | None = None) -> Certificate:
    """Render and store the certificate's PDF (``pdf.certificate_pdf_store``)."""
    from .pdf import certificate_pdf_store as store

    return store(certificate_id=certificate_id, language=language, design=design)


__all__ = [
    "BUSY",
    "DONE",
    "FilingFilters",
    "ISSUED_KIND",
    "MORE",
    "REINSTATED_KIND",
    "RENEWED_KIND",
    "REVOKED_KIND",
    "RenewalState",
    "batch_size",
    "broker_requirement_set_assign",
    "bulk_cohort_issue_start",
    "bulk_rerender_start",
    "bulk_run_progress",
    "bulk_run_resume",
    "bulk_run_step",
    "bulk_runs_stalled",
    "certificate_issue",
    "certificate_issue_for_ready",
    "certificate_issue_queue",
    "certificate_issue_schedule",
    "certificate_policy_changed",
    "certificate_policy_summary",
    "certificate_pdf",
    "certificate_pdf_store",
    "certificate_reinstate",
    "certificate_renew",
    "certificate_renewal_hours",
    "certificate_renewal_state",
    "certificate_revoke",
    "certificate_summary",
    "certificate_torch_number_set",
    "certificates_expire_due",
    "certificates_issue_collected",
    "certificates_issue_for_promotion",
    "certificates_issue_for_promotion_schedule",
    "certificates_issue_ready",
    "certificates_ready_uncertified",
    "certificates_renew_due",
    "credential_sign_store",
    "credentials_sign",
    "design_activate",
    "design_copy_to_draft",
    "design_draft",
    "design_draft_discard",
    "design_draft_or_template",
    "design_draft_save",
    "design_pdfs_behind",
    "design_preview_pdf",
    "design_preview_png",
    "ecert_export",
    "ecert_fields",
    "filed_levels",
    "filing_export",
    "filing_summary",
    "holder_did_set",
    "hours_since_issue",
    "readiness_evaluate",
    "readiness_schedule",
    "readiness_sweep_batch",
    "readiness_sweep_schedule",
    "renewal_chain",
    "requirement_set_changed",
    "requirement_set_new_version",
    "requirement_set_publish",
    "requirement_set_summary",
    "serial_allocate",
    "serial_clean",
    "serial_format",
    "serial_valid",
    "signing_key_generate",
    "thumbnails_available",
    "verify_url",
]
