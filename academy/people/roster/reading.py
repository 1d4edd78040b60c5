"""Reading an XLSX or CSV file into rows of raw cells."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from academy.errors import ApplicationError
from academy.people.spreadsheets import spreadsheet_rows

from .columns import (
    COLUMN_BY_KEY,
    COLUMNS,
    SILENTLY_IGNORED_HEADERS,
    cell_text,
    cells_blank,
    column_for_header,
    header_key,
    roster_max_bytes,
    roster_max_rows,
)
from .results import ParsedRoster, RosterRow

_MAX_COLUMNS = 60
# Excel files often carry formatted but empty rows after the data; they are read (data may
# follow them) but only up to this many beyond the row limit.
_EXTRA_BLANK_ROWS_READ = 20000
_HEADER_SEARCH_ROWS = 10


# --- Reading files -------------------------------------------------------------------------------


def roster_parse(*, file_name: str, content: bytes) -> ParsedRoster:
    """Read an XLSX (first sheet) or CSV roster into rows of raw cells.

    The header row is the first of the top rows that names at least two known columns
    (a title row above it is allowed); Chinese and English headers are accepted. Empty rows
    are skipped. Raises ``ApplicationError`` for problems with the file as a whole: too
    large, unreadable, no header, a required column missing, a column twice, too many rows.
    """
    max_bytes = roster_max_bytes()
    if len(content) > max_bytes:
        raise ApplicationError(
            _("The file is %(size)s MB; the limit is %(limit)s MB. Split it into smaller files.")
            % {"size": f"{len(content) / 1048576:.1f}", "limit": f"{max_bytes / 1048576:g}"}
        )
    if not content.strip():
        raise ApplicationError(_("The file is empty."))
    source: Iterator[Any] = spreadsheet_rows(file_name=file_name, content=content,
                                             max_columns=_MAX_COLUMNS)

    header_row = 0
    positions: dict[int, str] = {}
    ignored: list[str] = []
    max_rows = roster_max_rows()
    rows: list[RosterRow] = []
    for number, cells in enumerate(source, start=1):
        cells = tuple(cells)
        if not header_row:
            if number > _HEADER_SEARCH_ROWS:
                break
            found = {i: column_for_header(cell) for i, cell in enumerate(cells)}
            if sum(1 for key in found.values() if key) >= 2:
                header_row = number
                positions, ignored = _header_positions(cells, found)
            continue
        if number > max_rows + _EXTRA_BLANK_ROWS_READ:
            raise ApplicationError(
                _("The sheet goes on beyond row %(row)s, most of it empty. Delete the empty rows "
                  "below your data (or copy the data to a new file) and upload it again.")
                % {"row": f"{max_rows + _EXTRA_BLANK_ROWS_READ:,}"}
            )
        if cells_blank(cells[i] for i in positions if i < len(cells)):
            continue
        if len(rows) >= max_rows:
            raise ApplicationError(
                _("The file has more than %(limit)s rows; split it into smaller files.")
                % {"limit": f"{max_rows:,}"}
            )
        values = {key: cells[i] if i < len(cells) else None for i, key in positions.items()}
        rows.append(RosterRow(number=number, values=values))
    if not header_row:
        raise ApplicationError(
            _("No header row was found. The first row must name the columns, e.g. %(headers)s.")
            % {"headers": ", ".join(column.header_zh for column in COLUMNS)}
        )
    if not rows:
        raise ApplicationError(_("The file has a header row but no data rows."))
    return ParsedRoster(
        file_name=file_name, rows=rows, columns=list(positions.values()), ignored_headers=ignored
    )


def _header_positions(
    cells: tuple[Any, ...], found: dict[int, str | None]
) -> tuple[dict[int, str], list[str]]:
    positions: dict[int, str] = {}
    ignored: list[str] = []
    for index, key in found.items():
        header = cell_text(cells[index])
        if key is None:
            if header and header_key(header) not in SILENTLY_IGNORED_HEADERS:
                ignored.append(header)
            continue
        if key in positions.values():
            raise ApplicationError(
                _("The column “%(column)s” appears twice in the header row.")
                % {"column": COLUMN_BY_KEY[key].label}
            )
        positions[index] = key
    missing = [column for column in COLUMNS if column.required and column.key not in
               positions.values()]
    if missing:
        raise ApplicationError(
            ngettext(
                "A required column is missing: %(columns)s.",
                "Required columns are missing: %(columns)s.",
                len(missing),
            )
            % {"columns": ", ".join(f"{c.header_zh} / {c.header_en}" for c in missing)}
        )
    return positions, ignored
