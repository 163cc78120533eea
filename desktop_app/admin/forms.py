"""The forms of the Administration window: one per kind of reference record, validating as you type.

Owns: turning widgets into drafts (HubDraft, RoomDraft...) and back, and showing each problem next to its
field. Opening hours, dated exceptions, breaks and contacts are typed one per line in the same notation as
the command line ("Mon-Fri 09:00-17:00"), so the whole form works from the keyboard.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop_app.form_rows import labelled_row
from models.types import Sector
from scheduler.imports import values
from scheduler.services.reference import (
    BreakDraft,
    FacilityDraft,
    HoursException,
    HoursWindow,
    HubDraft,
    OrganisationDraft,
    RoomDraft,
    TeamDraft,
    TermDraft,
    contact_as_line,
    contact_from_line,
)

SECTORS = (("council", "Council service"), ("partner", "Partner"), ("resident", "Resident-led"))


class FormProblems(Exception):
    """Fields that cannot even be read (a time that is not a time); maps field key to sentence."""

    def __init__(self, fields: dict[str, str], partial: object = None):
        super().__init__("; ".join(fields.values()))
        self.fields = fields
        self.partial = partial  # the draft with the unreadable parts left out, to check the rest


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


class RecordForm(QWidget):
    """Base: a QFormLayout of fields, each with an error label under it."""

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.form = QFormLayout()
        outer = QVBoxLayout(self)
        outer.addLayout(self.form)
        outer.addStretch(1)  # fields stay together at the top of a tall form
        self._errors: dict[str, QLabel] = {}
        self._last_field: QWidget | None = None

    def row(self, text: str, field: QWidget, key: str) -> None:
        box = QWidget(self)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(field)
        error = QLabel(box)
        error.setWordWrap(True)
        error.setVisible(False)
        palette = error.palette()
        palette.setColor(QPalette.ColorRole.WindowText, Qt.GlobalColor.darkRed)
        error.setPalette(palette)
        error.setAccessibleName(self.tr("Problem with {field}").format(field=text.replace("&", "").rstrip(":")))
        layout.addWidget(error)
        self._errors[key] = error
        labelled_row(self.form, text, field, box)
        if self._last_field is not None:  # Tab goes row by row, whatever order the fields were made in
            QWidget.setTabOrder(self._last_field, field)
        self._last_field = field
        for signal in ("textChanged", "valueChanged", "toggled", "currentIndexChanged", "dateChanged", "itemChanged"):
            if hasattr(field, signal):
                getattr(field, signal).connect(lambda *_: self.edited.emit())

    def show_errors(self, errors: dict[str, str]) -> None:
        for key, label in self._errors.items():
            label.setText(errors.get(key, ""))
            label.setVisible(key in errors)
        unplaced = [m for k, m in errors.items() if k not in self._errors]
        if unplaced and self._errors:
            first = next(iter(self._errors.values()))
            first.setText("; ".join([first.text(), *unplaced]).strip("; "))
            first.setVisible(True)

    def error_text(self, key: str) -> str:
        label = self._errors.get(key)
        return label.text() if label is not None and label.isVisible() else ""


def _checklist(parent: QWidget, name: str) -> QListWidget:
    widget = QListWidget(parent)
    widget.setAccessibleName(name)
    widget.setMaximumHeight(110)
    return widget


def _set_checks(widget: QListWidget, choices: list[tuple[object, str]], chosen: set) -> None:
    widget.blockSignals(True)
    widget.clear()
    for value, label in choices:
        item = QListWidgetItem(label, widget)
        item.setData(Qt.ItemDataRole.UserRole, value)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked if value in chosen else Qt.CheckState.Unchecked)
    widget.blockSignals(False)


def _checked(widget: QListWidget) -> list:
    return [
        widget.item(i).data(Qt.ItemDataRole.UserRole)
        for i in range(widget.count())
        if widget.item(i).checkState() == Qt.CheckState.Checked
    ]


class HubForm(RecordForm):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = QLineEdit(self)
        self.area = QLineEdit(self)
        self.address = QLineEdit(self)
        self.postcode = QLineEdit(self)
        self.coordinates = QLineEdit(self)
        self.coordinates.setPlaceholderText(self.tr("latitude, longitude, e.g. 51.559, 0.071 (optional)"))
        self.hours = QLineEdit(self)
        self.hours.setPlaceholderText(self.tr("e.g. Mon-Fri 09:00-17:00; Tue 18:00-21:00"))
        self.exceptions = QPlainTextEdit(self)
        self.exceptions.setTabChangesFocus(True)
        self.exceptions.setMaximumHeight(80)
        self.exceptions.setPlaceholderText(
            self.tr("One per line, e.g.\n2026-12-01..2027-02-28 Thu 09:00-21:00 Winter late opening\n2027-01-22 closed")
        )
        self.retired = QCheckBox(self.tr("Retired (no new bookings)"), self)
        self.row(self.tr("&Name:"), self.name, "name")
        self.row(self.tr("&Area:"), self.area, "area")
        self.row(self.tr("A&ddress:"), self.address, "address")
        self.row(self.tr("&Postcode:"), self.postcode, "postcode")
        self.row(self.tr("&Coordinates:"), self.coordinates, "latitude")
        self.row(self.tr("Opening &hours:"), self.hours, "hours")
        self.row(self.tr("Dated &exceptions:"), self.exceptions, "exceptions")
        self.row(self.tr("Status:"), self.retired, "retired")

    def set_draft(self, draft: HubDraft) -> None:
        self.name.setText(draft.name)
        self.area.setText(draft.area)
        self.address.setText(draft.address)
        self.postcode.setText(draft.postcode)
        self.coordinates.setText(
            f"{draft.latitude}, {draft.longitude}" if draft.latitude is not None and draft.longitude is not None else ""
        )
        self.hours.setText(values.hours_as_text((w.weekday, w.opens, w.closes) for w in draft.hours))
        lines = []
        for e in draft.exceptions:
            span = e.first_day.isoformat() + (f"..{e.last_day.isoformat()}" if e.last_day != e.first_day else "")
            day = f" {values.WEEKDAYS[e.weekday]}" if e.weekday is not None else ""
            hours = f"{e.opens:%H:%M}-{e.closes:%H:%M}" if e.opens and e.closes else "closed"
            lines.append(f"{span}{day} {hours} {e.note}".rstrip())
        self.exceptions.setPlainText("\n".join(lines))
        self.retired.setChecked(draft.retired)

    def draft(self) -> HubDraft:
        from scheduler.commands.reference import parse_exception  # the command line's notation, one parser

        problems: dict[str, str] = {}
        hours: tuple[HoursWindow, ...] = ()
        try:
            hours = tuple(HoursWindow(*row) for row in values.parse_hours(self.hours.text()))
        except ValueError as exc:
            problems["hours"] = str(exc)
        exceptions = []
        for line in self.exceptions.toPlainText().splitlines():
            if line.strip():
                try:
                    exceptions.append(parse_exception(line.strip()))
                except ValueError as exc:
                    problems["exceptions"] = str(exc)
        latitude = longitude = None
        if self.coordinates.text().strip():
            try:
                latitude, longitude = (float(p) for p in self.coordinates.text().split(","))
            except ValueError:
                problems["latitude"] = self.tr("Give latitude and longitude as two numbers, e.g. 51.559, 0.071")
        draft = HubDraft(
            self.name.text(),
            self.area.text(),
            self.address.text(),
            self.postcode.text(),
            latitude,
            longitude,
            hours,
            tuple(e for e in exceptions if isinstance(e, HoursException)),
            self.retired.isChecked(),
        )
        if problems:
            raise FormProblems(problems, draft)
        return draft


class RoomForm(RecordForm):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hub = QComboBox(self)
        self.name = QLineEdit(self)
        self.capacity = QSpinBox(self)
        self.capacity.setRange(0, 2000)
        self.capacity.setSuffix(self.tr(" people"))
        self.facilities = _checklist(self, self.tr("Facilities"))
        self.step_free = QCheckBox(self.tr("Step-free access"), self)
        self.staff_only = QCheckBox(self.tr("Staff only (not bookable)"), self)
        self.retired = QCheckBox(self.tr("Retired (kept with its history, no new bookings)"), self)
        self.row(self.tr("&Hub:"), self.hub, "hub")
        self.row(self.tr("&Name:"), self.name, "name")
        self.row(self.tr("&Capacity:"), self.capacity, "capacity")
        self.row(self.tr("&Facilities:"), self.facilities, "facilities")
        self.row(self.tr("Access:"), self.step_free, "step_free")
        self.row(self.tr("Use:"), self.staff_only, "bookable")
        self.row(self.tr("Status:"), self.retired, "retired")

    def set_choices(self, hubs: list[tuple[int, str]], facilities: list[tuple[str, str]]) -> None:
        current = self.hub.currentData()
        self.hub.blockSignals(True)
        self.hub.clear()
        for hub_id, name in hubs:
            self.hub.addItem(name, hub_id)
        self.hub.setCurrentIndex(max(0, self.hub.findData(current)))
        self.hub.blockSignals(False)
        self._facility_choices = facilities
        _set_checks(self.facilities, facilities, set(_checked(self.facilities)))

    def set_draft(self, draft: RoomDraft) -> None:
        self.hub.setCurrentIndex(max(0, self.hub.findData(draft.hub_id)))
        self.name.setText(draft.name)
        self.capacity.setValue(draft.capacity)
        _set_checks(self.facilities, getattr(self, "_facility_choices", []), set(draft.facility_keys))
        self.step_free.setChecked(draft.step_free)
        self.staff_only.setChecked(not draft.bookable)
        self.retired.setChecked(draft.retired)

    def draft(self) -> RoomDraft:
        return RoomDraft(
            int(self.hub.currentData() or 0),
            self.name.text(),
            self.capacity.value(),
            tuple(_checked(self.facilities)),
            self.step_free.isChecked(),
            not self.staff_only.isChecked(),
            self.retired.isChecked(),
        )


class FacilityForm(RecordForm):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = QLineEdit(self)
        self.key = QLineEdit(self)
        self.key.setPlaceholderText(self.tr("made from the name, e.g. hearing-loop"))
        self.row(self.tr("&Name:"), self.name, "name")
        self.row(self.tr("&Key:"), self.key, "key")

    def set_draft(self, draft: FacilityDraft) -> None:
        self.name.setText(draft.name)
        self.key.setText(draft.key)

    def draft(self) -> FacilityDraft:
        return FacilityDraft(self.key.text().strip(), self.name.text())


class OrganisationForm(RecordForm):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = QLineEdit(self)
        self.sector = QComboBox(self)
        for value, label in SECTORS:
            self.sector.addItem(self.tr(label), value)
        self.priority = QSpinBox(self)
        self.priority.setRange(1, 5)
        self.priority.setValue(3)
        self.notes = QPlainTextEdit(self)
        self.notes.setTabChangesFocus(True)
        self.notes.setMaximumHeight(60)
        self.active = QCheckBox(self.tr("Active"), self)
        self.active.setChecked(True)
        self.contacts = QPlainTextEdit(self)
        self.contacts.setTabChangesFocus(True)
        self.contacts.setMaximumHeight(70)
        self.contacts.setPlaceholderText(self.tr("One per line: name | role | email | phone | notices (hub team only)"))
        self.row(self.tr("&Name:"), self.name, "name")
        self.row(self.tr("&Sector:"), self.sector, "sector")
        self.row(self.tr("Default &priority:"), self.priority, "default_priority")
        self.row(self.tr("C&ontacts:"), self.contacts, "contacts")
        self.row(self.tr("No&tes:"), self.notes, "notes")
        self.row(self.tr("Status:"), self.active, "active")

    def set_draft(self, draft: OrganisationDraft) -> None:
        self.name.setText(draft.name)
        self.sector.setCurrentIndex(max(0, self.sector.findData(draft.sector.value)))
        self.priority.setValue(draft.default_priority)
        self.notes.setPlainText(draft.notes)
        self.active.setChecked(draft.active)
        self.contacts.setPlainText("\n".join(contact_as_line(c) for c in draft.contacts))

    def draft(self) -> OrganisationDraft:
        contacts = []
        for line in self.contacts.toPlainText().splitlines():
            if line.strip():
                contacts.append(contact_from_line(line))
        return OrganisationDraft(
            self.name.text(),
            Sector(self.sector.currentData()),
            self.priority.value(),
            self.notes.toPlainText(),
            self.active.isChecked(),
            tuple(contacts),
        )


class TeamForm(RecordForm):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = QLineEdit(self)
        self.name.setPlaceholderText(self.tr("e.g. DWP work coach"))
        self.description = QLineEdit(self)
        self.organisations = _checklist(self, self.tr("Works for"))
        self.retired = QCheckBox(self.tr("Retired"), self)
        self.row(self.tr("&Name:"), self.name, "name")
        self.row(self.tr("&Description:"), self.description, "description")
        self.row(self.tr("&Works for:"), self.organisations, "organisations")
        self.row(self.tr("Status:"), self.retired, "retired")
        self._choices: list[tuple[int, str]] = []

    def set_choices(self, organisations: list[tuple[int, str]]) -> None:
        self._choices = organisations
        _set_checks(self.organisations, organisations, set(_checked(self.organisations)))

    def set_draft(self, draft: TeamDraft) -> None:
        self.name.setText(draft.name)
        self.description.setText(draft.description)
        _set_checks(self.organisations, self._choices, set(draft.organisation_ids))
        self.retired.setChecked(draft.retired)

    def draft(self) -> TeamDraft:
        return TeamDraft(
            self.name.text(), self.description.text(), tuple(_checked(self.organisations)), self.retired.isChecked()
        )


class TermForm(RecordForm):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = QLineEdit(self)
        self.name.setPlaceholderText(self.tr("e.g. Spring 2027"))
        self.first_day = QDateEdit(self)
        self.last_day = QDateEdit(self)
        for edit in (self.first_day, self.last_day):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("ddd d MMM yyyy")
        self.breaks = QPlainTextEdit(self)
        self.breaks.setTabChangesFocus(True)
        self.breaks.setMaximumHeight(60)
        self.breaks.setPlaceholderText(self.tr("One per line, e.g. 2027-02-15..2027-02-19 Half-term"))
        self.follows = QComboBox(self)
        self.row(self.tr("&Name:"), self.name, "name")
        self.row(self.tr("&First day:"), self.first_day, "dates")
        self.row(self.tr("&Last day:"), self.last_day, "last_day")
        self.row(self.tr("&Breaks:"), self.breaks, "breaks")
        self.row(self.tr("F&ollows:"), self.follows, "follows")

    def set_choices(self, terms: list[tuple[int, str]]) -> None:
        current = self.follows.currentData()
        self.follows.blockSignals(True)
        self.follows.clear()
        self.follows.addItem(self.tr("(no earlier term)"), None)
        for term_id, name in terms:
            self.follows.addItem(name, term_id)
        self.follows.setCurrentIndex(max(0, self.follows.findData(current)))
        self.follows.blockSignals(False)

    def set_draft(self, draft: TermDraft) -> None:
        self.name.setText(draft.name)
        self.first_day.setDate(_qdate(draft.first_day))
        self.last_day.setDate(_qdate(draft.last_day))
        self.breaks.setPlainText(
            "\n".join(f"{b.first_day.isoformat()}..{b.last_day.isoformat()} {b.name}" for b in draft.breaks)
        )
        self.follows.setCurrentIndex(max(0, self.follows.findData(draft.follows_id)))

    def draft(self) -> TermDraft:
        from scheduler.commands.reference import parse_break

        breaks = []
        for line in self.breaks.toPlainText().splitlines():
            if line.strip():
                try:
                    breaks.append(parse_break(line))
                except ValueError as exc:
                    raise FormProblems({"breaks": str(exc)}) from None
        return TermDraft(
            self.name.text(),
            _pydate(self.first_day.date()),
            _pydate(self.last_day.date()),
            tuple(b for b in breaks if isinstance(b, BreakDraft)),
            self.follows.currentData(),
        )
