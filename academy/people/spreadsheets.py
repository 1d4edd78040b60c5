"""Reading the first sheet of an XLSX workbook, or a CSV file, into rows of raw cells.

Shared by every spreadsheet upload of the product (the roster, the question bank): files
from Excel or WPS in China, so CSV may be UTF-8 (with or without BOM) or GBK/GB18030.
"""

from __future__ import annotations

import csv
import io
import os
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from academy.errors import ApplicationError


@dataclass(frozen=True)
class Column:
    """A column of an upload template: its key, its Chinese and English headers (both are
    accepted, with the aliases), the label and description shown to people, and whether
    every row must fill it."""

    key: str
    header_zh: str
    header_en: str
    label: str | Promise  # usually lazy; plain when built from parts (``format_lazy``)
    required: bool
    description: Promise
    aliases: tuple[str, ...] = ()


def spreadsheet_rows(*, file_name: str, content: bytes,
                     max_columns: int) -> Iterator[tuple[Any, ...] | list[str]]:
    """The rows of ``content`` (XLSX recognised by its bytes, else CSV by its name).

    Raises ``ApplicationError`` with a message for the person uploading when the file is an
    old .xls, a damaged workbook, an unknown type or an unreadable CSV.
    """
    if _file_kind(file_name, content) == "xlsx":
        return _rows_xlsx(content, max_columns)
    return _rows_csv(content)


def _file_kind(file_name: str, content: bytes) -> str:
    extension = os.path.splitext(file_name)[1].lower()
    if content[:4] == b"PK\x03\x04":
        return "xlsx"
    if content[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" or extension == ".xls":
        raise ApplicationError(
            _("This is an old Excel file (.xls). Open it in Excel or WPS and save it as .xlsx, "
              "or as CSV.")
        )
    if extension in (".xlsx", ".xlsm"):
        raise ApplicationError(_("This file is not a valid .xlsx workbook."))
    if extension in (".csv", ".txt", ""):
        return "csv"
    raise ApplicationError(_("Upload an .xlsx or .csv file."))


def _rows_xlsx(content: bytes, max_columns: int) -> Iterator[tuple[Any, ...]]:
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            # openpyxl warns about Excel features it does not read (data validation, styles).
            warnings.simplefilter("ignore")
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # a damaged workbook fails in many ways inside openpyxl
        raise ApplicationError(_("This file is not a valid .xlsx workbook.")) from exc
    try:
        if not workbook.worksheets:
            return
        sheet = workbook.worksheets[0]
        # Some programs write a wrong sheet size; read up to the real last row instead.
        sheet.reset_dimensions()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield from sheet.iter_rows(values_only=True, max_col=max_columns)
    except ApplicationError:
        raise
    except Exception as exc:  # a damaged workbook fails in many ways inside openpyxl
        raise ApplicationError(_("This file is not a valid .xlsx workbook.")) from exc
    finally:
        workbook.close()


def _decode_csv(content: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 (a superset of GBK: Excel's CSV in China)."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise ApplicationError(
            _("The CSV file's text encoding was not recognised; save it as UTF-8 or GBK.")
        ) from exc


def _rows_csv(content: bytes) -> Iterator[list[str]]:
    text = _decode_csv(content)
    sample = text[:4096]
    first_line = sample.splitlines()[0] if sample else ""
    delimiter = max((",", ";", "\t"), key=first_line.count) if first_line else ","
    if first_line.count(delimiter) == 0:
        delimiter = ","
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    except csv.Error as exc:
        raise ApplicationError(_("The CSV file could not be read: %(error)s") % {"error": exc}) \
            from exc
