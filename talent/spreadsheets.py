"""Tables out of the talent pool: CSV (UTF-8 with BOM, for Excel) and XLSX (openpyxl).

Every cell that a spreadsheet would read as a formula (starting with = + - @, or a tab or
carriage return) gets a leading apostrophe, so a name like ``=HYPERLINK(...)`` typed into a
record is shown, never run. Exports of personal data are written to the audit trail by the
view or task that produces them (``services.export_record``). Small exports are written in
memory and downloaded at once (``render``); large ones are streamed to a file by a Celery task
(``write`` with a progress callback, see ``services/exports.py``).
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, BinaryIO

from django.utils.translation import gettext as _

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Table:
    """One sheet: a title, Chinese (translated) headers and rows of plain values."""

    title: str
    headers: list[str]
    rows: Iterable[Sequence[Any]] = field(default_factory=list)


def safe_cell(value: Any) -> Any:
    """The value as a spreadsheet should show it; text that looks like a formula is quoted."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, (int, float, Decimal)):
        return value
    if isinstance(value, datetime.datetime):
        from django.utils import timezone

        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


ProgressCallback = Callable[[int], None]


def _counting(rows: Iterable[Sequence[Any]], counter: list[int],
              progress: ProgressCallback | None, every: int) -> Iterator[list[Any]]:
    for row in rows:
        counter[0] += 1
        yield [safe_cell(v) for v in row]
        if progress is not None and counter[0] % every == 0:
            progress(counter[0])


def write_csv(tables: Sequence[Table], out: BinaryIO, *, progress: ProgressCallback | None = None,
              every: int = 1000) -> int:
    """Write the tables as CSV into ``out``: UTF-8 with a byte-order mark (Excel then reads
    Chinese correctly), tables one after another, each under its title when there are
    several. Rows are streamed; ``progress(rows_written)`` is called every ``every`` rows.
    Returns the number of data rows written."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
    writer = csv.writer(text)
    counter = [0]
    for index, table in enumerate(tables):
        if len(tables) > 1:
            if index:
                writer.writerow([])
            writer.writerow([safe_cell(table.title)])
        writer.writerow([safe_cell(h) for h in table.headers])
        writer.writerows(_counting(table.rows, counter, progress, every))
    text.flush()
    text.detach()
    return counter[0]


def _sheet_title(title: str, used: set[str]) -> str:
    clean = "".join("_" if c in '[]:*?/\\' else c for c in title)[:31] or "Sheet"
    candidate, n = clean, 2
    while candidate in used:
        suffix = f" ({n})"
        candidate, n = clean[: 31 - len(suffix)] + suffix, n + 1
    used.add(candidate)
    return candidate


def write_xlsx(tables: Sequence[Table], out: BinaryIO, *,
               progress: ProgressCallback | None = None, every: int = 1000) -> int:
    """Write one worksheet per table into ``out`` (openpyxl's write-only mode: rows go to
    disk as they come, so a large export does not sit in memory), headers bold and frozen.
    Returns the number of data rows written."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    used: set[str] = set()
    counter = [0]
    bold = Font(bold=True)
    for table in tables:
        sheet = workbook.create_sheet(_sheet_title(str(table.title), used))
        sheet.freeze_panes = "A2"
        for index, header in enumerate(table.headers, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = max(
                10, min(40, len(str(header)) * 2 + 4))
        header_cells = []
        for header in table.headers:
            cell = WriteOnlyCell(sheet, value=safe_cell(header))
            cell.font = bold
            header_cells.append(cell)
        sheet.append(header_cells)
        for row in _counting(table.rows, counter, progress, every):
            sheet.append(row)
    if not tables:
        workbook.create_sheet("Sheet")
    workbook.save(out)
    return counter[0]


def write(tables: Sequence[Table], file_format: str, out: BinaryIO, **kwargs: Any) -> int:
    """Write the tables in ``file_format`` (``csv`` or ``xlsx``) into ``out``."""
    if file_format == "csv":
        return write_csv(tables, out, **kwargs)
    return write_xlsx(tables, out, **kwargs)


def content_type(file_format: str) -> str:
    return CSV_TYPE if file_format == "csv" else XLSX_TYPE


def to_csv(tables: Sequence[Table]) -> bytes:
    buffer = io.BytesIO()
    write_csv(tables, buffer)
    return buffer.getvalue()


def to_xlsx(tables: Sequence[Table]) -> bytes:
    buffer = io.BytesIO()
    write_xlsx(tables, buffer)
    return buffer.getvalue()


def render(tables: Sequence[Table], file_format: str) -> tuple[bytes, str]:
    """The whole file in memory, for small exports downloaded at once."""
    buffer = io.BytesIO()
    write(tables, file_format, buffer)
    return buffer.getvalue(), content_type(file_format)
