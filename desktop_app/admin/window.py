"""AdministrationWindow (Borough ▸ Administration…): one tab per kind of reference data, with undo.

Owns: the tabs (a sortable, filterable table and a form that validates as you type), the window's undo
stack, and the set-up checklist shown while the borough is still empty. Every change goes through
ReferenceService via ReferenceCommand: audited, checked for stale edits, asking first when booked
sessions are affected. Holds no rules of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app.admin.commands import AdminController, MergeCommand, ReferenceCommand
from desktop_app.admin.forms import (
    SECTORS,
    FacilityForm,
    FormProblems,
    HubForm,
    OrganisationForm,
    RecordForm,
    RoomForm,
    TeamForm,
    TermForm,
)
from desktop_app.admin.models import AdminRole, RecordColumn, RecordFilterProxy, RecordTableModel
from desktop_app.prompts import Prompts
from models.types import Sector
from scheduler.imports import values
from scheduler.services.first_start import BoroughSetup
from scheduler.services.reference import (
    FacilityDraft,
    HubDraft,
    OrganisationDraft,
    Record,
    ReferenceService,
    RoomDraft,
    TeamDraft,
    TermDraft,
)


def _tr(text: str) -> str:
    return QCoreApplication.translate("Administration", text)


def _yes(flag: bool) -> str:
    return _tr("yes") if flag else _tr("no")


@dataclass
class Kind:
    key: str
    title: str  # tab title
    noun: str  # "hub"
    columns: list[RecordColumn]
    load: Callable[[], list[Record]]
    form: Callable[[QWidget], RecordForm]
    new_draft: Callable[[], Any]
    validate: Callable[[Any, int | None], dict[str, str]]
    ops: dict[str, Callable]
    label: Callable[[Any], str]
    translate: Callable[[Any, Callable[[str, int], int]], Any] | None = None


class AdminTab(QWidget):
    """A table of one kind with its search box, and the form of the selected (or a new) record."""

    def __init__(self, kind: Kind, controller: AdminController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        self.controller = controller
        self.current: Record | None = None
        self.model = RecordTableModel(kind.columns, self)
        self.proxy = RecordFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(self.tr("Filter {what}…").format(what=kind.title.lower()))
        self.search.setAccessibleName(self.tr("Filter {what}").format(what=kind.title.lower()))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.proxy.setFilterFixedString)
        self.table = QTableView(self)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table (arrow keys move in it): no keyboard trap
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().hide()
        self.table.setAccessibleName(kind.title)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._selected())

        self.form = kind.form(self)
        self.form.edited.connect(self.revalidate)
        self.heading = QLabel(self)
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        font = self.heading.font()
        font.setBold(True)
        self.heading.setFont(font)
        self.new_button = QPushButton(self.tr("&New {noun}").format(noun=kind.noun), self)
        self.save_button = QPushButton(self.tr("&Save"), self)
        self.save_button.setDefault(True)
        self.delete_button = QPushButton(self.tr("De&lete"), self)
        self.delete_button.setToolTip(self.tr("Only something nothing refers to can be deleted; retire it otherwise."))
        self.new_button.clicked.connect(self.start_new)
        self.save_button.clicked.connect(self.save)
        self.delete_button.clicked.connect(self.delete)
        self.buttons = QHBoxLayout()
        for button in (self.new_button, self.save_button, self.delete_button):
            self.buttons.addWidget(button)
        self.buttons.addStretch(1)

        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.search)
        left_layout.addWidget(self.table)
        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.heading)
        scroll = QScrollArea(right)
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.form)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        right_layout.addWidget(scroll, 1)
        right_layout.addLayout(self.buttons)
        splitter = QSplitter(self)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        self.setTabOrder(self.search, self.table)

    # -- loading ---------------------------------------------------------------------------------------

    def reload(self) -> None:
        keep = self.current.id if self.current else None
        self.model.set_records(self.kind.load())
        self.table.resizeColumnsToContents()
        if keep is not None and self.select(keep):
            return
        if self.current is None:
            self.start_new()

    def select(self, record_id: int) -> bool:
        row = self.model.row_of(record_id)
        if row < 0:
            self.current = None
            return False
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if not index.isValid():
            return False
        self.table.setCurrentIndex(index)
        self._selected()
        return True

    def _selected(self) -> None:
        index = self.table.currentIndex()
        record = index.data(AdminRole.RECORD) if index.isValid() else None
        if record is None:
            return
        self.current = record
        self.heading.setText(self.tr("Edit {label}").format(label=record.label))
        self.form.blockSignals(True)
        self.form.set_draft(record.draft)
        self.form.blockSignals(False)
        self.delete_button.setEnabled(True)
        self.revalidate()

    def start_new(self) -> None:
        self.current = None
        self.table.clearSelection()
        self.heading.setText(self.tr("New {noun}").format(noun=self.kind.noun))
        self.form.blockSignals(True)
        self.form.set_draft(self.kind.new_draft())
        self.form.blockSignals(False)
        self.delete_button.setEnabled(False)
        self.revalidate()

    # -- validation and changes ------------------------------------------------------------------------

    def draft(self) -> Any | None:
        try:
            return self.form.draft()
        except FormProblems as problems:
            errors = dict(problems.fields)
            if problems.partial is not None:  # still say what else is wrong
                found = self.kind.validate(problems.partial, self.current.id if self.current else None)
                errors = {**found, **errors}
            self.form.show_errors(errors)
            return None

    def revalidate(self) -> dict[str, str]:
        draft = self.draft()
        if draft is None:
            self.save_button.setEnabled(False)
            return {"form": "unreadable"}
        errors = self.kind.validate(draft, self.current.id if self.current else None)
        self.form.show_errors(errors)
        unchanged = self.current is not None and self.current.draft == draft
        self.save_button.setEnabled(not errors and not unchanged)
        return errors

    def save(self) -> bool:
        draft = self.draft()
        if draft is None or self.revalidate():
            return False
        label = self.kind.label(draft)
        if self.current is None:
            command = ReferenceCommand(
                self.controller, self.tr("Add {noun} {label}").format(noun=self.kind.noun, label=label),
                self.kind.ops, kind=self.kind.key, translate=self.kind.translate, after=draft,
            )  # fmt: skip
        else:
            command = ReferenceCommand(
                self.controller, self.tr("Edit {noun} {label}").format(noun=self.kind.noun, label=label),
                self.kind.ops, kind=self.kind.key, translate=self.kind.translate,
                record_id=self.current.id, before=self.current.draft, after=draft,
                version=self.current.version,
            )  # fmt: skip
        if not self.controller.run(command):
            return False
        if command.result is not None:
            self.current = command.result
            self.select(command.result.id)
        return True

    def delete(self) -> bool:
        if self.current is None:
            return False
        command = ReferenceCommand(
            self.controller,
            self.tr("Delete {noun} {label}").format(noun=self.kind.noun, label=self.current.label),
            self.kind.ops,
            kind=self.kind.key,
            translate=self.kind.translate,
            record_id=self.current.id,
            before=self.current.draft,
            after=None,
            version=self.current.version,
        )
        if self.controller.run(command):
            self.current = None
            self.start_new()
            return True
        return False


class AdministrationWindow(QMainWindow):
    """Borough ▸ Administration…: hubs, rooms, facilities, organisations, shared people and teams, terms."""

    changed = Signal()

    def __init__(
        self, reference: ReferenceService, setup: BoroughSetup, prompts: Prompts, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Administration — Hub Scheduler"))
        self.reference = reference
        self.setup = setup
        self.controller = AdminController(prompts, lambda: self)
        self.controller.changed.connect(self.reload)
        self.controller.changed.connect(self.changed)
        self.checklist = QLabel(self)
        self.checklist.setWordWrap(True)
        self.checklist.setAccessibleName(self.tr("Set-up checklist"))
        self.tabs = QTabWidget(self)
        self.tab: dict[str, AdminTab] = {}
        for kind in self._kinds():
            tab = AdminTab(kind, self.controller, self.tabs)
            self.tab[kind.key] = tab
            self.tabs.addTab(tab, kind.title)
        self.merge_button = QPushButton(self.tr("&Merge into…"), self.tab["organisations"])
        self.merge_button.setToolTip(self.tr("The same organisation under two names: move everything to the other"))
        self.merge_button.clicked.connect(self.merge_current)
        self.tab["organisations"].buttons.insertWidget(3, self.merge_button)
        centre = QWidget(self)
        layout = QVBoxLayout(centre)
        layout.addWidget(self.checklist)
        layout.addWidget(self.tabs, 1)
        self.setCentralWidget(centre)
        edit = self.menuBar().addMenu(self.tr("&Edit"))
        self.undo_action = self.controller.stack.createUndoAction(self, self.tr("&Undo"))
        self.undo_action.setShortcut(QKeySequence("Ctrl+Z"))
        self.redo_action = self.controller.stack.createRedoAction(self, self.tr("&Redo"))
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        edit.addAction(self.undo_action)
        edit.addAction(self.redo_action)
        close = self.menuBar().addMenu(self.tr("&Window")).addAction(self.tr("&Close"))
        close.setShortcut(QKeySequence.StandardKey.Close)
        close.triggered.connect(self.close)
        self.setMinimumSize(760, 480)
        self.resize(1180, 680)
        self.reload()

    def _kinds(self) -> list[Kind]:
        ref = self.reference
        today = date.today()
        hub_names = lambda: {h.id: h.label for h in ref.hubs()}  # noqa: E731

        def count(name: str) -> Callable[[Record], str]:
            return lambda r: str(len(getattr(r.draft, name)))

        def field(name: str) -> Callable[[Record], str]:
            return lambda r: str(getattr(r.draft, name))

        def size(name: str) -> Callable[[Record], Any]:
            def key(r: Record) -> Any:
                value = getattr(r.draft, name)
                return (
                    len(value) if isinstance(value, tuple) else value.toordinal() if isinstance(value, date) else value
                )

            return key

        def day(name: str) -> Callable[[Record], str]:
            return lambda r: f"{getattr(r.draft, name):%a %d %b %Y}"

        def breaks(record: Record) -> str:
            return "; ".join(f"{b.name} {b.first_day:%d %b}–{b.last_day:%d %b}" for b in record.draft.breaks)

        def hours(record: Record) -> str:
            return values.hours_as_text((w.weekday, w.opens, w.closes) for w in record.draft.hours)

        def facility_ops() -> dict[str, Callable]:
            return {
                "add": ref.add_facility,
                "edit": lambda record_id, version, draft, confirm=False: ref.rename_facility(record_id, draft.name),
                "delete": lambda record_id: self.controller.confirmed(
                    lambda confirm: ref.delete_facility(record_id, confirm=confirm), _tr("Delete facility")
                ),
            }

        return [
            Kind(
                "hubs", _tr("Hubs"), _tr("hub"),
                [
                    RecordColumn(_tr("Name"), lambda r: r.draft.name),
                    RecordColumn(_tr("Area"), lambda r: r.draft.area),
                    RecordColumn(_tr("Postcode"), lambda r: r.draft.postcode),
                    RecordColumn(_tr("Rooms"), lambda r: str(r.in_use), lambda r: r.in_use),
                    RecordColumn(_tr("Opening hours"), hours),
                    RecordColumn(_tr("Exceptions"), count("exceptions"), size("exceptions")),
                    RecordColumn(_tr("Retired"), lambda r: _yes(r.draft.retired)),
                ],
                ref.hubs, HubForm, lambda: HubDraft(""), ref.validate_hub,
                {"add": ref.add_hub, "edit": ref.edit_hub, "delete": ref.delete_hub}, lambda d: d.name,
            ),
            Kind(
                "rooms", _tr("Rooms"), _tr("room"),
                [
                    RecordColumn(_tr("Hub"), lambda r: r.context),
                    RecordColumn(_tr("Room"), lambda r: r.draft.name),
                    RecordColumn(_tr("Capacity"), lambda r: str(r.draft.capacity), lambda r: r.draft.capacity),
                    RecordColumn(_tr("Facilities"), lambda r: ", ".join(r.draft.facility_keys)),
                    RecordColumn(_tr("Step-free"), lambda r: _yes(r.draft.step_free)),
                    RecordColumn(_tr("Bookable"), lambda r: _yes(r.draft.bookable)),
                    RecordColumn(_tr("Retired"), lambda r: _yes(r.draft.retired)),
                ],
                ref.rooms, RoomForm, lambda: RoomDraft(next(iter(hub_names()), 0), "", 10), ref.validate_room,
                {"add": ref.add_room, "edit": ref.edit_room, "delete": ref.delete_room},
                lambda d: f"{d.name}, {hub_names().get(d.hub_id, '')}",
                lambda d, resolve: replace(d, hub_id=resolve("hubs", d.hub_id)),
            ),
            Kind(
                "facilities", _tr("Facilities"), _tr("facility"),
                [
                    RecordColumn(_tr("Facility"), lambda r: r.draft.name),
                    RecordColumn(_tr("Key"), lambda r: r.draft.key),
                    RecordColumn(_tr("Rooms with it"), lambda r: str(r.in_use), lambda r: r.in_use),
                ],
                ref.facilities, FacilityForm, lambda: FacilityDraft("", ""),
                lambda d, record_id: self._facility_problems(d, record_id), facility_ops(), lambda d: d.name,
            ),
            Kind(
                "organisations", _tr("Organisations"), _tr("organisation"),
                [
                    RecordColumn(_tr("Organisation"), lambda r: r.draft.name),
                    RecordColumn(_tr("Sector"), lambda r: dict(SECTORS)[r.draft.sector.value]),
                    RecordColumn(_tr("Priority"), field("default_priority"), size("default_priority")),
                    RecordColumn(_tr("Contacts"), count("contacts"), size("contacts")),
                    RecordColumn(_tr("Requests and bookings"), lambda r: str(r.in_use), lambda r: r.in_use),
                    RecordColumn(_tr("Active"), lambda r: _yes(r.draft.active) + (r.context and f" ({r.context})")),
                ],
                ref.organisations, OrganisationForm, lambda: OrganisationDraft("", Sector.RESIDENT),
                ref.validate_organisation,
                {"add": ref.add_organisation, "edit": ref.edit_organisation, "delete": ref.delete_organisation},
                lambda d: d.name,
            ),
            Kind(
                "teams", _tr("Shared people and teams"), _tr("person or team"),
                [
                    RecordColumn(_tr("Name"), lambda r: r.draft.name),
                    RecordColumn(_tr("Works for"), lambda r: r.context),
                    RecordColumn(_tr("Used by"), lambda r: str(r.in_use), lambda r: r.in_use),
                    RecordColumn(_tr("Retired"), lambda r: _yes(r.draft.retired)),
                ],
                ref.teams, TeamForm, lambda: TeamDraft(""), lambda d, record_id: self._team_problems(d, record_id),
                {"add": ref.add_team, "edit": ref.edit_team, "delete": ref.delete_team}, lambda d: d.name,
                lambda d, resolve: replace(d, organisation_ids=tuple(resolve("organisations", o) for o in d.organisation_ids)),  # noqa: E501
            ),
            Kind(
                "terms", _tr("Terms"), _tr("term"),
                [
                    RecordColumn(_tr("Term"), lambda r: r.draft.name),
                    RecordColumn(_tr("First day"), day("first_day"), size("first_day")),
                    RecordColumn(_tr("Last day"), day("last_day"), size("last_day")),
                    RecordColumn(_tr("Breaks"), breaks),
                    RecordColumn(_tr("Follows"), lambda r: r.context.removeprefix("follows ")),
                ],
                ref.terms, TermForm, lambda: TermDraft("", today, today + timedelta(days=83)),
                lambda d, record_id: self._term_problems(d, record_id),
                {"add": ref.add_term, "edit": ref.edit_term, "delete": ref.delete_term}, lambda d: d.name,
                lambda d, resolve: replace(d, follows_id=d.follows_id and resolve("terms", d.follows_id)),
            ),
        ]  # fmt: skip

    # Facilities, teams and terms are validated by their add/edit calls; these mirror the same rules.
    def _facility_problems(self, draft: FacilityDraft, record_id: int | None) -> dict[str, str]:
        errors = {}
        if not draft.name.strip():
            errors["name"] = self.tr("Give the facility a name.")
        elif any(
            r.draft.name.lower() == draft.name.strip().lower() and r.id != record_id
            for r in self.reference.facilities()
        ):
            errors["name"] = self.tr("There is already a facility called {name}.").format(name=draft.name.strip())
        return errors

    def _team_problems(self, draft: TeamDraft, record_id: int | None) -> dict[str, str]:
        if not draft.name.strip():
            return {"name": self.tr("Give the person or team a name.")}
        if any(
            r.draft.name.lower() == draft.name.strip().lower() and r.id != record_id for r in self.reference.teams()
        ):
            return {"name": self.tr("There is already a person or team called {name}.").format(name=draft.name.strip())}
        return {}

    def _term_problems(self, draft: TermDraft, record_id: int | None) -> dict[str, str]:
        errors: dict[str, str] = {}
        if not draft.name.strip():
            errors["name"] = self.tr("Give the term a name.")
        if draft.first_day > draft.last_day:
            errors["dates"] = self.tr("The term must end on or after its first day.")
        for b in draft.breaks:
            if not (draft.first_day <= b.first_day <= b.last_day <= draft.last_day):
                errors["breaks"] = self.tr("{name} must lie inside the term.").format(name=b.name)
        terms = self.reference.terms()
        if any(r.draft.name.lower() == draft.name.strip().lower() and r.id != record_id for r in terms):
            errors["name"] = self.tr("There is already a term called {name}.").format(name=draft.name.strip())
        follows = next((t for t in terms if t.id == draft.follows_id), None)
        if follows is not None and (follows.id == record_id or follows.draft.last_day >= draft.first_day):
            errors["follows"] = self.tr("{name} does not end before this term starts.").format(name=follows.label)
        return errors

    # -- loading -----------------------------------------------------------------------------------------

    def reload(self) -> None:
        hubs = [(h.id, h.label) for h in self.reference.hubs()]
        facilities = [(f.draft.key, f.label) for f in self.reference.facilities()]
        self.tab["rooms"].form.set_choices(hubs, facilities)
        self.tab["teams"].form.set_choices([(o.id, o.label) for o in self.reference.organisations()])
        self.tab["terms"].form.set_choices([(t.id, t.label) for t in self.reference.terms()])
        for tab in self.tab.values():
            tab.reload()
        items = self.setup.checklist()
        if all(item.done for item in items):
            self.checklist.hide()
        else:
            lines = "   ".join(("☑ " if item.done else "☐ ") + self.tr(item.label) for item in items)
            self.checklist.setText(self.tr("Setting up your borough:") + "   " + lines)
            self.checklist.show()

    def show_tab(self, key: str) -> AdminTab:
        tab = self.tab[key]
        self.tabs.setCurrentWidget(tab)
        return tab

    def merge_current(self) -> bool:
        tab = self.tab["organisations"]
        source = tab.current
        if source is None:
            return False
        others = [o for o in self.reference.organisations(active_only=True) if o.id != source.id]
        names = [o.label for o in others]
        name, ok = QInputDialog.getItem(
            self, self.tr("Merge {name}").format(name=source.label),
            self.tr("Merge {name} into (its requests, bookings and contacts move there):").format(name=source.label),
            names, 0, False,
        )  # fmt: skip
        if not ok or not name:
            return False
        return self.merge(source.id, next(o.id for o in others if o.label == name))

    def merge(self, source_id: int, target_id: int) -> bool:
        names = {o.id: o.label for o in self.reference.organisations()}
        command = MergeCommand(
            self.controller,
            self.tr("Merge {source} into {target}").format(source=names[source_id], target=names[target_id]),
            self.reference.merge_organisations,
            self.reference.unmerge_organisations,
            (source_id, target_id),
        )
        return self.controller.run(command)
