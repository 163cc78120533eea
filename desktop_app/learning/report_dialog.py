"""TermReportDialog (File ▸ Term report…): the board's term report as PDF and/or XLSX.

Owns: choosing the term and the files, and writing the report with disclosure control on (it may be
published). The figures are scheduler.reporting's; the PDF is report_pdf.py's.
Must not import: models.entities, sqlalchemy.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.learning.attendance_ui import LearningServices
from desktop_app.prompts import Prompts
from scheduler.errors import HubSchedError
from scheduler.reporting.report import build_report


class TermReportDialog(QDialog):
    """File ▸ Term report…: choose the term and the files; writes the board's report (disclosure control on)."""

    def __init__(self, services: LearningServices, prompts: Prompts, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Term report"))
        self.services = services
        self.prompts = prompts
        self.written: list[Path] = []
        layout = QVBoxLayout(self)
        intro = QLabel(
            self.tr(
                "The report for the Hubs Programme Board: A4 PDF and/or a workbook with one sheet per section. "
                "It may be published: private and generic sessions are counted but never named, and counts "
                "under 5 for an organisation or small group are shown as <5."
            )
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.term_combo = QComboBox()
        for term in services.learning.terms():
            self.term_combo.addItem(term.name, term.id)
        form.addRow(self.tr("&Term:"), self.term_combo)
        self.pdf_box, self.pdf_path = QCheckBox(self.tr("&PDF")), QLineEdit()
        self.xlsx_box, self.xlsx_path = QCheckBox(self.tr("&XLSX")), QLineEdit()
        self.pdf_box.setChecked(True)
        for box, edit, suffix in ((self.pdf_box, self.pdf_path, "pdf"), (self.xlsx_box, self.xlsx_path, "xlsx")):
            row = QHBoxLayout()
            edit.setAccessibleName(self.tr("{kind} file").format(kind=suffix.upper()))
            browse = QPushButton(self.tr("Browse…"))
            browse.clicked.connect(lambda _=False, e=edit, s=suffix: self._browse(e, s))
            row.addWidget(edit, 1)
            row.addWidget(browse)
            form.addRow(box, row)
        layout.addLayout(form)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close)
        self.buttons.accepted.connect(self.write)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.term_combo.currentIndexChanged.connect(self._default_names)
        self._default_names()

    def _default_names(self) -> None:
        stem = str(Path.home() / f"Term report {self.term_combo.currentText()}")
        self.pdf_path.setText(stem + ".pdf")
        self.xlsx_path.setText(stem + ".xlsx")

    def _browse(self, edit: QLineEdit, suffix: str) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Save as"), edit.text(), f"*.{suffix}")
        if path:
            edit.setText(path)

    def write(self) -> list[Path]:
        from desktop_app.learning.report_pdf import render_pdf  # loaded when used: start-up stays light
        from scheduler.reporting.xlsx import write_xlsx

        term_id = self.term_combo.currentData()
        self.written = []
        if term_id is None:
            return []
        try:
            report = build_report(self.services.learning.learning_data(term_id), disclosure=True)
            if self.xlsx_box.isChecked():
                path = Path(self.xlsx_path.text()).expanduser()
                write_xlsx(report, path)
                self.written.append(path)
            if self.pdf_box.isChecked():
                path = Path(self.pdf_path.text()).expanduser()
                render_pdf(report, path)
                self.written.append(path)
        except HubSchedError as exc:
            self.prompts.error(self, self.tr("Cannot write the report"), str(exc))
            return self.written
        except OSError as exc:
            self.prompts.error(self, self.tr("Cannot write the report"), f"{exc.filename}: {exc.strerror}")
            return self.written
        self.accept()
        return self.written
