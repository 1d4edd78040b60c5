"""The bureau's pages, one module per page family: the dashboard, the broker list and dossier,
the audit trail viewer, exports (with the training archive of a cohort), and the city's
registered totals.

Auditors and admins only. Every page an auditor can open answers GET (and HEAD) alone,
except asking for a background export (a POST that records the auditor's own request, a
``TalentExport``, and nothing else): no auditor request changes a row of the talent pool.
Registered totals are entered by administrators.
"""

from .audit import audit_trail
from .brokers import broker_dossier, broker_list
from .dashboard import cohort_options, dashboard, figures_progress, organisation_options
from .exports import (
    cohort_archive,
    export_detail,
    export_download,
    export_list,
    export_progress,
    export_start,
)
from .registered import registered_delete, registered_edit, registered_list

__all__ = [
    "audit_trail",
    "broker_dossier",
    "broker_list",
    "cohort_archive",
    "cohort_options",
    "dashboard",
    "export_detail",
    "export_download",
    "export_list",
    "export_progress",
    "export_start",
    "figures_progress",
    "organisation_options",
    "registered_delete",
    "registered_edit",
    "registered_list",
]
