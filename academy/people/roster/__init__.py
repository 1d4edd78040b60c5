"""Roster import: brokers from an XLSX or CSV file, all rows or none.

``roster_parse`` reads the file into rows of raw cells, ``roster_validate`` checks every row
(formats, reference data, duplicates inside the file and against the database) and
``roster_import`` saves a clean file in one transaction: accounts with unusable passwords,
unverified e-mail addresses, broker profiles, the broker role, invitations (e-mailed after
commit), a ``RosterImport`` record and one audit event. A file with any error saves nothing.
A row describing an existing broker exactly as the database has them is "unchanged", so
importing the same file twice changes nothing the second time.

The downloadable template (``roster_template_xlsx`` / ``roster_template_csv``) uses the
same column definitions, so a filled-in template always imports.
"""

from .columns import (
    COLUMN_BY_KEY,
    COLUMNS,
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_ROWS,
    ROSTER_EXAMPLE_EMAIL,
    Column,
    column_for_header,
    roster_max_bytes,
    roster_max_rows,
)
from .importing import roster_import
from .reading import roster_parse
from .report import roster_error_report_xlsx
from .results import (
    CleanRow,
    ParsedRoster,
    RosterError,
    RosterImportResult,
    RosterRow,
    RosterValidation,
)
from .template import INSTRUCTIONS_SHEET, roster_template_csv, roster_template_xlsx
from .validation import roster_validate

__all__ = [
    "roster_error_report_xlsx",
    "COLUMNS",
    "COLUMN_BY_KEY",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_ROWS",
    "INSTRUCTIONS_SHEET",
    "ROSTER_EXAMPLE_EMAIL",
    "CleanRow",
    "Column",
    "ParsedRoster",
    "RosterError",
    "RosterImportResult",
    "RosterRow",
    "RosterValidation",
    "column_for_header",
    "roster_import",
    "roster_max_bytes",
    "roster_max_rows",
    "roster_parse",
    "roster_template_csv",
    "roster_template_xlsx",
    "roster_validate",
]
