"""What parsing, validation and import hand back."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from ..models import Level, Region, RosterImport, User
from .columns import COLUMN_BY_KEY

# --- Results -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RosterError:
    """One problem: ``row`` as the spreadsheet numbers it (None for the whole file)."""

    row: int | None
    column: str  # a Column.key, or "" for the whole file or row
    message: str

    @property
    def column_label(self) -> str:
        column = COLUMN_BY_KEY.get(self.column)
        return str(column.label) if column else ""


@dataclass
class RosterRow:
    """The raw cells of one data row, keyed by column key."""

    number: int
    values: dict[str, Any]


@dataclass
class ParsedRoster:
    file_name: str
    rows: list[RosterRow]
    columns: list[str]
    ignored_headers: list[str] = field(default_factory=list)


@dataclass
class CleanRow:
    """A row that passed validation, with its values normalised and resolved."""

    number: int
    full_name: str
    email: str
    national_id: str
    phone: str
    region: Region
    organisation: str
    level: Level
    level_since: datetime.date | None
    user: User | None = None  # the account, once created or when unchanged


@dataclass
class RosterValidation:
    new: list[CleanRow]
    unchanged: list[CleanRow]
    errors: list[RosterError]

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class RosterImportResult:
    file_name: str
    rows_total: int = 0
    created: list[CleanRow] = field(default_factory=list)
    unchanged: list[CleanRow] = field(default_factory=list)
    errors: list[RosterError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    record: RosterImport | None = None
    # The file's rows as read, for the error report (empty when the file could not be read).
    rows: list[RosterRow] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def file_errors(self) -> list[RosterError]:
        return [error for error in self.errors if error.row is None]

    @property
    def row_errors(self) -> list[RosterError]:
        return [error for error in self.errors if error.row is not None]

    @property
    def rows_with_errors(self) -> int:
        return len({error.row for error in self.errors if error.row is not None})
