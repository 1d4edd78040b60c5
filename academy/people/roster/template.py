"""The downloadable roster template (XLSX with an instructions sheet, and CSV)."""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

from django.utils.translation import get_language, gettext

from ..models import Level, Region
from ..validators import (
    national_id_check_digit,
)
from .columns import COLUMNS, ROSTER_EXAMPLE_EMAIL, cell_text, roster_max_bytes, roster_max_rows

# --- The template --------------------------------------------------------------------------------


def _headers() -> list[str]:
    english = (get_language() or "").startswith("en")
    return [column.header_en if english else column.header_zh for column in COLUMNS]


def _example_row() -> list[Any]:
    first17 = "41120219900101123"
    region = Region.objects.order_by("sort_order", "code").first()
    level = Level.objects.order_by("rank").first()
    return [
        "张三",
        ROSTER_EXAMPLE_EMAIL,
        first17 + national_id_check_digit(first17),
        "13800138000",
        region.name if region else "",
        "三门峡示例科技有限公司",
        (level.name[:2] if len(level.name) > 2 else level.name) if level else "",
        datetime.date(2024, 6, 1),
    ]


def roster_template_csv() -> bytes:
    """The CSV template: header and example row, UTF-8 with a BOM so that Excel shows Chinese."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(_headers())
    writer.writerow([cell_text(value) for value in _example_row()])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


INSTRUCTIONS_SHEET = "说明"


def roster_template_xlsx() -> bytes:
    """The XLSX template: the roster sheet (header, example row, text-formatted ID and phone
    columns, drop-down lists for level and region) and the instructions sheet "说明"."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = gettext("Roster")[:31]
    sheet.append(_headers())
    sheet.append(_example_row())
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DCE6F1")
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = bold
        cell.fill = fill
        sheet.column_dimensions[get_column_letter(index)].width = (
            {"email": 28, "national_id": 22, "organisation": 30, "level_since": 14}
            .get(column.key, 12)
        )
    sheet.freeze_panes = "A2"
    text_columns = [i for i, c in enumerate(COLUMNS, start=1) if c.key in ("national_id", "phone")]
    date_column = [i for i, c in enumerate(COLUMNS, start=1) if c.key == "level_since"][0]
    for row in range(2, 1002):
        for index in text_columns:
            sheet.cell(row=row, column=index).number_format = "@"
        sheet.cell(row=row, column=date_column).number_format = "yyyy-mm-dd"

    notes = workbook.create_sheet(INSTRUCTIONS_SHEET)
    notes.column_dimensions["A"].width = 22
    notes.column_dimensions["B"].width = 22
    notes.column_dimensions["C"].width = 12
    notes.column_dimensions["D"].width = 80
    notes.append([gettext("How to fill in the roster")])
    notes["A1"].font = Font(bold=True, size=14)
    for line in (
        gettext("One broker per row on the first sheet; delete the example row (张三)."),
        gettext("If any row has an error, nothing is imported and every error is listed "
                "with its row and column."),
        gettext("A person already in the system with the same data is left unchanged; "
                "new people receive an invitation e-mail to set their password."),
        gettext("At most %(rows)s rows and %(size)s MB per file.")
        % {"rows": f"{roster_max_rows():,}", "size": f"{roster_max_bytes() / 1048576:g}"},
    ):
        notes.append([line])
    notes.append([])
    notes.append([gettext("Column (Chinese)"), gettext("Column (English)"), gettext("Required"),
                  gettext("What to enter")])
    _bold_row(notes, bold)
    for column in COLUMNS:
        notes.append([column.header_zh, column.header_en,
                      gettext("yes") if column.required else gettext("no"),
                      str(column.description)])
    notes.append([])
    notes.append([gettext("Levels"), gettext("Code"), gettext("Also accepted")])
    _bold_row(notes, bold)
    level_first = notes.max_row + 1
    for level in Level.objects.order_by("rank"):
        short = level.name[:2] if len(level.name) > 2 else ""
        notes.append([level.name, level.code,
                      ", ".join(a for a in (short, level.name_en) if a)])
    level_last = notes.max_row
    notes.append([])
    notes.append([gettext("Regions"), gettext("Code"), gettext("English name")])
    _bold_row(notes, bold)
    region_first = notes.max_row + 1
    for region in Region.objects.order_by("sort_order", "code"):
        notes.append([region.name, region.code, region.name_en])
    region_last = notes.max_row

    for key, first, last in (("level", level_first, level_last),
                             ("region", region_first, region_last)):
        if last < first:
            continue
        index = [c.key for c in COLUMNS].index(key) + 1
        letter = get_column_letter(index)
        validation = DataValidation(
            type="list",
            formula1=f"'{INSTRUCTIONS_SHEET}'!$A${first}:$A${last}",
            allow_blank=True,
            showErrorMessage=False,  # short forms (初级, codes) are accepted too
        )
        validation.add(f"{letter}2:{letter}1001")
        sheet.add_data_validation(validation)

    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _bold_row(sheet: Any, font: Any) -> None:
    for cell in sheet[sheet.max_row]:
        cell.font = font
