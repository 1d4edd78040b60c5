"""The row-level error report of a spreadsheet import, the same for every import.

Every upload (the roster, the question bank) checks all rows before saving anything and hands
back every problem it found, each tied to a row as the spreadsheet numbers it and a column of
the upload's template (or to the whole file). The import pages show them as one table (the
first few hundred, and how many more there are); an import may also offer the file back as a
workbook with the cells in error marked, to correct and upload again. One implementation, so
that the imports look and behave alike.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from django.utils.translation import gettext

from .spreadsheets import Column


@dataclass(frozen=True)
class SpreadsheetError:
    """One problem: ``row`` as the spreadsheet numbers it (None for the whole file), ``column``
    a template column's key ("" for the whole file or row). Each import subclasses it to name
    its own columns (``columns``)."""

    row: int | None
    column: str
    message: str

    #: The upload's template columns by key, to label the column a problem is in.
    columns: ClassVar[Mapping[str, Column]] = {}

    @property
    def column_label(self) -> str:
        column = self.columns.get(self.column)
        return str(column.label) if column else ""


class SpreadsheetErrors:
    """What an import's result or validation says about its ``errors``."""

    errors: Sequence[SpreadsheetError]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def file_errors(self) -> list[SpreadsheetError]:
        return [error for error in self.errors if error.row is None]

    @property
    def row_errors(self) -> list[SpreadsheetError]:
        return [error for error in self.errors if error.row is not None]

    @property
    def rows_with_errors(self) -> int:
        return len({error.row for error in self.errors if error.row is not None})


E = TypeVar("E", bound=SpreadsheetError)


def spreadsheet_errors_shown(errors: Sequence[E], *, limit: int) -> dict[str, Any]:
    """The page context of an error table: the first ``limit`` problems (``row_errors``) and
    how many more there are (``row_errors_hidden``): a file with thousands of bad rows makes
    a page people can still read; they fix these and upload again to see the rest."""
    return {"row_errors": list(errors[:limit]),
            "row_errors_hidden": max(0, len(errors) - limit)}


#: The fill of a cell (and a row number) in error, and of the header row.
ERROR_FILL = "F8D7DA"
HEADER_FILL = "DCE6F1"


def spreadsheet_error_report_xlsx(*, rows: Iterable[tuple[int, Mapping[str, Any]]],
                                  columns: Sequence[Column], headers: Sequence[str],
                                  errors: Iterable[SpreadsheetError]) -> bytes:
    """The uploaded rows back as a workbook to correct: ``rows`` are (row number, cells by
    column key), ``headers`` the template's headers of ``columns`` in the uploader's language.
    Each cell with a problem is filled red with the problem as a comment, and a last column
    lists every problem of the row. Rows without a problem stay (unmarked), so that the
    corrected report is itself a complete file to upload."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    problems: dict[int | None, list[tuple[str, str]]] = defaultdict(list)
    for error in errors:
        if error.row is not None:
            problems[error.row].append((error.column, error.message))

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = gettext("Errors")[:31]
    sheet.append([gettext("Row"), *headers, gettext("Problems")])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
    column_index = {column.key: i for i, column in enumerate(columns, start=2)}
    for number, values in rows:
        _append_row(sheet, number, [values.get(column.key, "") for column in columns],
                    problems.get(number, []), column_index)
    problems_column = len(columns) + 2
    for index in range(1, problems_column + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 8 if index == 1 else 18
    sheet.column_dimensions[get_column_letter(problems_column)].width = 60
    sheet.freeze_panes = "B2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _append_row(sheet: Any, number: int, values: list[Any], problems: list[tuple[str, str]],
                column_index: Mapping[str, int]) -> None:
    """One row of the report: the cells as text, the problems marked and listed last."""
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, PatternFill

    red = PatternFill("solid", fgColor=ERROR_FILL)
    sheet.append([number, *("" if v is None else str(v) for v in values),
                  "\n".join(message for _column, message in problems)])
    line = sheet.max_row
    if problems:
        sheet.cell(row=line, column=1).fill = red
        sheet.cell(row=line, column=len(values) + 2).alignment = Alignment(wrap_text=True)
    for column, message in problems:
        index = column_index.get(column)
        if index is None:
            continue
        cell = sheet.cell(row=line, column=index)
        cell.fill = red
        cell.comment = Comment(message, "Broker Academy")
