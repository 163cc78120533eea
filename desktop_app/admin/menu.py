"""What issue 10 adds to the main window: Borough ▸ Administration…, File ▸ Import… / Export…, and the
"New organisation…" shortcut of the booking dialog and the request form.

Owns: `install_borough_actions` (called once from MainWindow._build_actions), opening the Administration
and import windows on the main window's database, reloading the calendar's hubs and organisations after
they change, and `NewOrganisationDialog` with `new_organisation_callback`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QMenuBar,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop_app.form_rows import labelled_row
from models import db
from models.types import Sector
from scheduler.errors import HubSchedError
from scheduler.services.directory import OrganisationRow

if TYPE_CHECKING:  # the reference service and the admin forms load when a dialog opens, not at start
    from scheduler.services.reference import OrganisationDraft, ReferenceService


def _tr(text: str) -> str:
    return QCoreApplication.translate("Administration", text)


def reference_on(services: Any) -> ReferenceService:
    """The ReferenceService the composition root wired (AppServices), else one on PlanningServices' engine."""
    wired = getattr(services, "wired", None)
    if wired is not None:
        return wired.reference
    from scheduler.services.reference import ReferenceService

    return ReferenceService(db.make_session_factory(services.engine), services.operator)


class NewOrganisationDialog(QDialog):
    """Name, sector, priority and one contact: enough to book a first-time caller at once."""

    def __init__(self, reference: ReferenceService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.reference = reference
        self.created: OrganisationRow | None = None
        self.setWindowTitle(self.tr("New organisation"))
        self.name = QLineEdit(self)
        self.sector = QComboBox(self)
        from desktop_app.admin.forms import SECTORS

        for value, label in SECTORS:
            self.sector.addItem(self.tr(label), value)
        self.sector.setCurrentIndex(2)
        self.priority = QSpinBox(self)
        self.priority.setRange(1, 5)
        self.priority.setValue(3)
        self.contact = QLineEdit(self)
        self.contact.setPlaceholderText(self.tr("name | role | email | phone (optional, hub team only)"))
        self.problem = QLabel(self)
        self.problem.setWordWrap(True)
        form = QFormLayout()
        for text, field in (
            (self.tr("&Name:"), self.name),
            (self.tr("&Sector:"), self.sector),
            (self.tr("Default &priority:"), self.priority),
            (self.tr("&Contact:"), self.contact),
        ):
            labelled_row(form, text, field)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("&Add organisation"))
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.name.textChanged.connect(self.revalidate)
        self.contact.textChanged.connect(self.revalidate)
        self.revalidate()

    def draft(self) -> OrganisationDraft:
        from scheduler.services.reference import ContactDraft, OrganisationDraft

        contacts = ()
        if self.contact.text().strip():
            parts = [p.strip() for p in self.contact.text().split("|")] + ["", "", ""]
            contacts = (ContactDraft(*parts[:4]),)
        return OrganisationDraft(
            self.name.text(), Sector(self.sector.currentData()), self.priority.value(), contacts=contacts
        )

    def revalidate(self) -> dict[str, str]:
        errors = self.reference.validate_organisation(self.draft())
        self.problem.setText(" ".join(errors.values()))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not errors)
        return errors

    def save(self) -> None:
        try:
            record = self.reference.add_organisation(self.draft())
        except HubSchedError as exc:
            self.problem.setText(str(exc))
            return
        self.created = OrganisationRow(
            record.id, record.label, record.draft.sector.value, record.draft.default_priority
        )
        self.accept()


def new_organisation_callback(services: Any, opened: Callable[[QDialog], None] | None = None):
    """For BookingDialog / RequestForm: open NewOrganisationDialog; returns the new organisation or None.

    `opened` receives the dialog before it runs (tests fill it in through it); it runs with open(), and the
    callback hands back the organisation once it is accepted, through `on_created`.
    """

    def open_dialog(parent: QWidget, on_created: Callable[[OrganisationRow], None]) -> NewOrganisationDialog:
        dialog = NewOrganisationDialog(reference_on(services), parent)
        dialog.accepted.connect(lambda: on_created(dialog.created) if dialog.created else None)
        if opened is not None:
            opened(dialog)
        dialog.open()
        return dialog

    return open_dialog


def install_borough_actions(window: Any, bar: QMenuBar, file_menu: QMenu) -> QMenu:
    """Add Borough ▸ Administration… and File ▸ Import… / Export… to the main window's menus."""
    window.admin_window = None
    window.import_dialog = None

    def refresh() -> None:
        window._load_directory()
        window.reload()

    def open_admin() -> Any:
        from desktop_app.admin.window import AdministrationWindow

        if window.admin_window is None or window.admin_window.reference_engine is not window.services.engine:
            wired = window.services.wired
            admin = AdministrationWindow(
                wired.reference,
                wired.setup,
                window.prompts,
                window,
            )
            admin.reference_engine = window.services.engine
            admin.changed.connect(refresh)
            window.admin_window = admin
        window.admin_window.reload()
        window.admin_window.show()
        return window.admin_window

    def open_import(mode: str = "import") -> Any:
        from desktop_app.import_dialog import ImportDialog

        dialog = ImportDialog(window.services, window.prompts, window, mode=mode)
        dialog.imported.connect(refresh)
        window.import_dialog = dialog
        dialog.show()
        return dialog

    window.open_administration = open_admin
    window.open_import = open_import
    borough = QMenu(_tr("B&orough"), bar)
    bar.insertMenu(bar.actions()[-1] if bar.actions() else None, borough)
    admin_action = QAction(_tr("&Administration…"), window)
    admin_action.setShortcut(QKeySequence("Ctrl+Shift+A"))
    admin_action.triggered.connect(lambda _=False: open_admin())
    borough.addAction(admin_action)
    import_action = QAction(_tr("&Import…"), window)
    import_action.setShortcut(QKeySequence("Ctrl+I"))
    import_action.triggered.connect(lambda _=False: open_import("import"))
    export_action = QAction(_tr("E&xport…"), window)
    export_action.setShortcut(QKeySequence("Ctrl+E"))
    export_action.triggered.connect(lambda _=False: open_import("export"))
    first = file_menu.actions()[0] if file_menu.actions() else None
    file_menu.insertAction(first, import_action)
    file_menu.insertAction(first, export_action)
    file_menu.insertSeparator(first)
    return borough
