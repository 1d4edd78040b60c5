"""The error report of a roster that failed validation, as a workbook to download.

The administrator gets their own rows back in the template's columns, each cell with a problem
filled red with the problem as a comment, and a last column listing every problem of the row:
they correct the cells and upload the file again. Rows without a problem stay in the report
(unmarked), so that the corrected report is itself a complete roster.
"""

from __future__ import annotations

from ..spreadsheet_errors import spreadsheet_error_report_xlsx
from .columns import COLUMNS
from .results import RosterImportResult
from .template import _headers


def roster_error_report_xlsx(result: RosterImportResult) -> bytes:
    """The workbook: the file's rows with the cells in error marked (see module docstring)."""
    return spreadsheet_error_report_xlsx(
        rows=((row.number, row.values) for row in result.rows), columns=COLUMNS,
        headers=_headers(), errors=result.row_errors)
