"""The term report as an XLSX workbook: one sheet per section, the same figures as the PDF.

Owns: writing a `TermReport` with openpyxl (paragraphs first, then each table with a bold header row).
Must not import: models, sqlalchemy, scheduler.services, desktop_app, PySide6.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

from scheduler.reporting.report import TermReport


def write_xlsx(report: TermReport, path: Path) -> None:
    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    for section in report.sections:
        sheet = workbook.create_sheet(section.key[:31])
        sheet.append([section.title])
        sheet["A1"].font = Font(bold=True, size=14)
        if section.key == "Summary":
            sheet.append([f"Scope: {report.scope}"])
        for paragraph in section.paragraphs:
            sheet.append([paragraph])
        for table in section.tables:
            sheet.append([])
            sheet.append([table.title])
            sheet.cell(row=sheet.max_row, column=1).font = bold
            sheet.append(list(table.columns))
            for cell in sheet[sheet.max_row]:
                cell.font = bold
            for row in table.rows:
                sheet.append(list(row))
            if table.note:
                sheet.append([table.note])
        sheet.column_dimensions["A"].width = 40
    workbook.save(path)
