"""A report as CSV (its tables one after another, each under its title) or XLSX (a sheet a table)."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from .selectors import Report

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value, column):
    """A CSV cell; a text that a spreadsheet would run as a formula is quoted with an apostrophe."""
    value = column.shown(value)
    if value is None:
        return ""
    if column.kind == "text" and str(value).startswith(FORMULA_STARTS):
        return "'" + str(value)
    return value


def report_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    for n, table in enumerate(report.tables):
        if n:
            writer.writerow([])
        writer.writerow([str(table.title)])
        writer.writerow([str(c.label) for c in table.columns])
        for row in table.rows:
            writer.writerow([_cell(row[c.key], c) for c in table.columns])
    return out.getvalue()


def report_xlsx(report: Report) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for table in report.tables:
        sheet = book.create_sheet(_sheet_name(str(table.title), book.sheetnames))
        sheet.append([str(c.label) for c in table.columns])
        for row in table.rows:
            sheet.append([c.shown(row[c.key]) for c in table.columns])
            for cell, column in zip(sheet[sheet.max_row], table.columns, strict=True):
                if column.kind == "text" and cell.data_type == "f":  # a name, never a formula
                    cell.data_type = "s"
        for n, column in enumerate(table.columns, start=1):
            sheet.column_dimensions[get_column_letter(n)].width = max(10, min(40, len(str(column.label)) + 2))
            if column.kind == "money":
                for (cell,) in sheet.iter_rows(min_row=2, min_col=n, max_col=n):
                    cell.number_format = "#,##0.00"
            elif column.kind == "date":
                for (cell,) in sheet.iter_rows(min_row=2, min_col=n, max_col=n):
                    cell.number_format = "yyyy-mm-dd"
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_name(title: str, taken: list[str]) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique in the book."""
    name = "".join(ch for ch in title if ch not in "[]:*?/\\")[:31] or "Sheet"
    base, n = name, 2
    while name in taken:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    return name
