"""The error report of a roster that failed validation, as a workbook to download.

The administrator gets their own rows back in the template's columns, each cell with a problem
filled red with the problem as a comment, and a last column listing every problem of the row:
they correct the cells and upload the file again. Rows without a problem stay in the report
(unmarked), so that the corrected report is itself a complete roster.
"""

from __future__ import annotations

import io
from collections import defaultdict

from django.utils.translation import gettext

from .columns import COLUMNS
from .results import RosterImportResult
from .template import _headers


def roster_error_report_xlsx(result: RosterImportResult) -> bytes:
    """The workbook: the file's rows with the cells in error marked (see module docstring)."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    problems: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for error in result.row_errors:
        problems[error.row].append((error.column, error.message))  # type: ignore[index]
    column_index = {column.key: i for i, column in enumerate(COLUMNS, start=2)}
    red = PatternFill("solid", fgColor="F8D7DA")
    header_fill = PatternFill("solid", fgColor="DCE6F1")
    bold = Font(bold=True)

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = gettext("Errors")[:31]
    sheet.append([gettext("Row"), *_headers(), gettext("Problems")])
    for cell in sheet[1]:
        cell.font = bold
        cell.fill = header_fill
    for row in result.rows:
        values = [row.values.get(column.key, "") for column in COLUMNS]
        row_problems = problems.get(row.number, [])
        sheet.append([row.number, *("" if v is None else str(v) for v in values),
                      "\n".join(message for _column, message in row_problems)])
        line = sheet.max_row
        if row_problems:
            sheet.cell(row=line, column=1).fill = red
            sheet.cell(row=line, column=len(COLUMNS) + 2).alignment = Alignment(wrap_text=True)
        for column, message in row_problems:
            index = column_index.get(column)
            if index is None:
                continue
            cell = sheet.cell(row=line, column=index)
            cell.fill = red
            cell.comment = Comment(message, "Broker Academy")
    for index in range(1, len(COLUMNS) + 3):
        sheet.column_dimensions[get_column_letter(index)].width = 8 if index == 1 else 18
    sheet.column_dimensions[get_column_letter(len(COLUMNS) + 2)].width = 60
    sheet.freeze_panes = "B2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
