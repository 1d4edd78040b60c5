"""What parsing, validation and import hand back."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from ..models import Level, Region, RosterImport, User
from ..spreadsheet_errors import SpreadsheetError, SpreadsheetErrors
from .columns import COLUMN_BY_KEY

# --- Results -----------------------------------------------------------------------------------


class RosterError(SpreadsheetError):
    """One problem of a roster (see ``SpreadsheetError``), in the roster's columns."""

    columns = COLUMN_BY_KEY


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
class RosterValidation(SpreadsheetErrors):
    new: list[CleanRow]
    unchanged: list[CleanRow]
    errors: list[RosterError]


@dataclass
class RosterImportResult(SpreadsheetErrors):
    file_name: str
    rows_total: int = 0
    created: list[CleanRow] = field(default_factory=list)
    unchanged: list[CleanRow] = field(default_factory=list)
    errors: list[RosterError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    record: RosterImport | None = None
    # The file's rows as read, for the error report (empty when the file could not be read).
    rows: list[RosterRow] = field(default_factory=list)
