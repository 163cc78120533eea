"""BookingDialog (book a one-off or a series) and DetailsDialog (edit what a series is).

Owns: collecting a `NewBooking` or `SeriesDetails` and showing, before anything is saved, what
`BookingService.plan` says: the sessions it would create, the dates it skips and every problem (clash
with the booking named, closure, capacity, opening hours). The Book button stays disabled while the
plan has problems. The dialog books nothing itself: the window runs the booking as an undoable command.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time, timedelta

from PySide6.QtCore import QDate, Qt, QTime, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from desktop_app.focus_order import tab_in_order
from desktop_app.item_models import SECTOR_LABELS
from desktop_app.prompts import Scope
from desktop_app.scrolling import scrolled
from models.types import Frequency, Visibility
from scheduler.errors import HubSchedError
from scheduler.services.booking import BookingPlan, BookingService, NewBooking, SeriesDetails
from scheduler.services.calendar import SessionDetails
from scheduler.services.directory import OrganisationRow, RoomRow

FREQUENCIES = (
    (Frequency.ONCE, "One-off"),
    (Frequency.WEEKLY, "Weekly"),
    (Frequency.FORTNIGHTLY, "Fortnightly"),
    (Frequency.MONTHLY, "Monthly (nth weekday)"),
)
VISIBILITIES = (
    (Visibility.PUBLIC, "Public: shown as is"),
    (Visibility.GENERIC, "Generic: public feeds show a neutral title"),
    (Visibility.PRIVATE, "Private: never in public feeds"),
)
NTHS = ((1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (-1, "Last"))


def qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def pydate(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def pytime(value: QTime) -> time:
    return time(value.hour(), value.minute())


def organisation_combo(organisations: list[OrganisationRow], parent: QWidget) -> QComboBox:
    combo = QComboBox(parent)
    combo.setEditable(True)  # type to find an organisation
    combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    for organisation in organisations:
        combo.addItem(
            f"{organisation.name} ({SECTOR_LABELS.get(organisation.sector, organisation.sector)})", organisation.id
        )
    combo.setCurrentIndex(-1)
    return combo


def typed_choice(combo: QComboBox) -> object:
    """The data of the item an editable combo's text names (typed, completed or picked), else None."""
    text = combo.currentText().strip()
    if not text:
        return None
    index = combo.findText(text, Qt.MatchFlag.MatchFixedString)
    if index < 0:
        starts = [i for i in range(combo.count()) if combo.itemText(i).lower().startswith(text.lower())]
        index = starts[0] if len(starts) == 1 else -1
    return combo.itemData(index) if index >= 0 else None


def select_data(combo: QComboBox, value: object) -> None:
    index = combo.findData(value)
    if index >= 0:
        combo.setCurrentIndex(index)


class BookingDialog(QDialog):
    def __init__(
        self,
        booking: BookingService,
        rooms: list[RoomRow],
        organisations: list[OrganisationRow],
        *,
        room_id: int,
        day: date,
        start: time,
        duration_min: int = 60,
        attendance: int = 1,
        frequency: Frequency = Frequency.ONCE,
        last_date: date | None = None,
        add_organisation: Callable[[QWidget, Callable[[OrganisationRow], None]], object] | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self._booking = booking
        self.plan: BookingPlan | None = None
        self.setWindowTitle(self.tr("New booking"))
        self.setAccessibleName(self.tr("New booking"))

        self.organisation = organisation_combo(organisations, self)
        self.title_edit = QLineEdit(self)
        self.title_edit.setPlaceholderText(self.tr("What is it? e.g. Food pantry"))
        self.public_title = QLineEdit(self)
        self.public_title.setPlaceholderText(self.tr("Title in public feeds (optional)"))
        self.visibility = QComboBox(self)
        for value, label in VISIBILITIES:
            self.visibility.addItem(self.tr(label), value)
        self.attendance = QSpinBox(self)
        self.attendance.setRange(1, 1000)
        self.attendance.setValue(attendance)
        self.attendance.setSuffix(self.tr(" people"))
        self.room = QComboBox(self)
        for room in rooms:
            self.room.addItem(
                self.tr("{room}, {hub} ({people} people)").format(room=room.name, hub=room.hub, people=room.capacity),
                room.id,
            )
        select_data(self.room, room_id)
        self.date_edit = QDateEdit(qdate(day), self)
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("ddd d MMM yyyy")
        self.start_edit = QTimeEdit(QTime(start.hour, start.minute), self)
        self.start_edit.setDisplayFormat("HH:mm")
        self.duration = QSpinBox(self)
        self.duration.setRange(15, 12 * 60)
        self.duration.setSingleStep(15)
        self.duration.setValue(duration_min)
        self.duration.setSuffix(self.tr(" min"))
        self.frequency = QComboBox(self)
        for value, label in FREQUENCIES:
            self.frequency.addItem(self.tr(label), value)
        self.nth = QComboBox(self)
        for value, label in NTHS:
            self.nth.addItem(self.tr(label), value)
        self.last_date = QDateEdit(qdate(last_date or day + timedelta(weeks=12)), self)
        self.last_date.setCalendarPopup(True)
        self.last_date.setDisplayFormat("ddd d MMM yyyy")
        self.skip_breaks = QCheckBox(self.tr("Skip term-time breaks (half-term)"), self)
        self.problems = QLabel(self)
        self.problems.setWordWrap(True)
        self.problems.setAccessibleName(self.tr("Booking check"))
        self.problems.setMinimumHeight(60)

        form = QFormLayout()
        # A first-time caller: add their organisation without leaving the booking (button beside the list).
        self.new_organisation_button = QPushButton(self.tr("&New organisation…"), self)
        self.new_organisation_button.setVisible(add_organisation is not None)
        if add_organisation is not None:
            self.new_organisation_button.clicked.connect(lambda: add_organisation(self, self._organisation_added))
        organisation_row = QHBoxLayout()
        organisation_row.addWidget(self.organisation, 1)
        organisation_row.addWidget(self.new_organisation_button)
        form.addRow(self.tr("&Organisation:"), organisation_row)
        self.organisation.setAccessibleName(self.tr("Organisation"))
        for label, field in (
            (self.tr("&Title:"), self.title_edit),
            (self.tr("&Public title:"), self.public_title),
            (self.tr("&Visibility:"), self.visibility),
            (self.tr("&Expected:"), self.attendance),
            (self.tr("&Room:"), self.room),
            (self.tr("&Date:"), self.date_edit),
            (self.tr("&Starts:"), self.start_edit),
            (self.tr("D&uration:"), self.duration),
            (self.tr("&Repeats:"), self.frequency),
            (self.tr("&Which weekday:"), self.nth),
            (self.tr("&Until:"), self.last_date),
        ):
            form.addRow(label, field)
            field.setAccessibleName(label.replace("&", "").rstrip(":"))
        form.addRow("", self.skip_breaks)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.book_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.book_button.setText(self.tr("&Book"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        fields = QWidget(self)
        fields.setLayout(form)
        layout = QVBoxLayout(self)
        layout.addWidget(scrolled(fields, self), 1)  # scrolls on a small screen; Book stays in reach
        layout.addWidget(self.problems)
        layout.addWidget(self.buttons)
        select_data(self.frequency, frequency)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(150)
        self._timer.timeout.connect(self.check)
        for signal in (
            self.organisation.currentIndexChanged,
            self.organisation.editTextChanged,
            self.title_edit.textChanged,
            self.attendance.valueChanged,
            self.room.currentIndexChanged,
            self.date_edit.dateChanged,
            self.start_edit.timeChanged,
            self.duration.valueChanged,
            self.frequency.currentIndexChanged,
            self.nth.currentIndexChanged,
            self.last_date.dateChanged,
            self.skip_breaks.toggled,
        ):
            signal.connect(self._timer.start)
        self.frequency.currentIndexChanged.connect(self._update_enabled)
        self._update_enabled()
        self.check()

    def _organisation_added(self, organisation: OrganisationRow) -> None:
        label = f"{organisation.name} ({SECTOR_LABELS.get(organisation.sector, organisation.sector)})"
        self.organisation.addItem(label, organisation.id)
        select_data(self.organisation, organisation.id)
        self.title_edit.setFocus()

    def _update_enabled(self) -> None:
        frequency = Frequency(self.frequency.currentData())
        self.nth.setEnabled(frequency is Frequency.MONTHLY)
        self.last_date.setEnabled(frequency is not Frequency.ONCE)
        self.skip_breaks.setEnabled(frequency is not Frequency.ONCE)

    def booking(self) -> NewBooking | None:
        """The booking as filled in, or None while the organisation or title is missing."""
        organisation_id = typed_choice(self.organisation)
        if organisation_id is None or not self.title_edit.text().strip():
            return None
        frequency: Frequency = Frequency(self.frequency.currentData())
        return NewBooking(
            room_id=self.room.currentData(),
            organisation_id=organisation_id,
            title=self.title_edit.text().strip(),
            public_title=self.public_title.text().strip(),
            visibility=Visibility(self.visibility.currentData()),
            attendance=self.attendance.value(),
            first_date=pydate(self.date_edit.date()),
            start=pytime(self.start_edit.time()),
            duration_min=self.duration.value(),
            frequency=frequency,
            last_date=pydate(self.last_date.date()) if frequency is not Frequency.ONCE else None,
            nth=int(self.nth.currentData()) if frequency is Frequency.MONTHLY else None,
            runs_in_breaks=not (self.skip_breaks.isChecked() and frequency is not Frequency.ONCE),
        )

    def check(self) -> bool:
        """Ask the BookingService what this booking would do and show it; True when it can be booked."""
        self._timer.stop()
        self.plan = None
        booking = self.booking()
        if booking is None:
            self._show(False, self.tr("Choose an organisation (type to find one) and give the booking a title."))
            return False
        try:
            self.plan = self._booking.plan(booking)
        except HubSchedError as exc:
            self._show(False, str(exc))
            return False
        if self.plan.problems:
            lines = [self.tr("Cannot book:")] + [f"• {p.message}" for p in self.plan.problems]
            self._show(False, "\n".join(lines))
            return False
        text = self.tr("Free: %n session(s) will be booked.", "", len(self.plan.sessions))
        if self.plan.skipped:
            skipped = ", ".join(f"{s.day:%d %b} ({s.reason})" for s in self.plan.skipped[:6])
            more = "…" if len(self.plan.skipped) > 6 else ""
            text += "\n" + self.tr("Skipped: ") + skipped + more
        self._show(True, text)
        return True

    def _show(self, ok: bool, text: str) -> None:
        self.problems.setText(text)
        self.problems.setAccessibleDescription(text)
        self.problems.setStyleSheet("" if ok else "QLabel { color: white; background: #8b1a1a; padding: 6px; }")
        self.book_button.setEnabled(ok)

    def accept(self) -> None:
        if self.check():
            super().accept()


class DetailsDialog(QDialog):
    """Edit a series' organisation, titles, visibility and expected attendance."""

    def __init__(self, details: SessionDetails, organisations: list[OrganisationRow], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Edit details of {title}").format(title=details.title))
        self.original = SeriesDetails(
            organisation_id=details.organisation_id,
            title=details.title,
            public_title=details.public_title,
            visibility=Visibility(details.visibility),
            hide_location=details.hide_location,
            attendance=details.attendance,
        )
        self.organisation = organisation_combo(organisations, self)
        select_data(self.organisation, details.organisation_id)
        self.title_edit = QLineEdit(details.title, self)
        self.public_title = QLineEdit(details.public_title, self)
        self.visibility = QComboBox(self)
        for value, label in VISIBILITIES:
            self.visibility.addItem(self.tr(label), value)
        select_data(self.visibility, Visibility(details.visibility))
        self.hide_location = QCheckBox(self.tr("Hide the location in public feeds"), self)
        self.hide_location.setChecked(details.hide_location)
        self.attendance = QSpinBox(self)
        self.attendance.setRange(1, 1000)
        self.attendance.setValue(details.attendance)
        form = QFormLayout(self)
        for label, field in (
            (self.tr("&Organisation:"), self.organisation),
            (self.tr("&Title:"), self.title_edit),
            (self.tr("&Public title:"), self.public_title),
            (self.tr("&Visibility:"), self.visibility),
            (self.tr("&Expected people:"), self.attendance),
        ):
            form.addRow(label, field)
            field.setAccessibleName(label.replace("&", "").rstrip(":"))
        form.addRow("", self.hide_location)
        tab_in_order(self.attendance, self.hide_location)  # as laid out: the check box is under Expected people
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def details(self) -> SeriesDetails:
        return SeriesDetails(
            organisation_id=typed_choice(self.organisation) or self.original.organisation_id,
            title=self.title_edit.text().strip(),
            public_title=self.public_title.text().strip(),
            visibility=Visibility(self.visibility.currentData()),
            hide_location=self.hide_location.isChecked(),
            attendance=self.attendance.value(),
        )


class MoveDialog(QDialog):
    """Move a session (or its whole series) to another room, date and time without dragging."""

    def __init__(self, row, rooms: list[RoomRow], *, repeats: bool, parent: QWidget | None = None):
        super().__init__(parent)
        self.row = row
        self.setWindowTitle(self.tr("Move {title}").format(title=row.title))
        self.room = QComboBox(self)
        for room in rooms:
            self.room.addItem(
                self.tr("{room}, {hub} ({people} people)").format(room=room.name, hub=room.hub, people=room.capacity),
                room.id,
            )
        select_data(self.room, row.room_id)
        self.date_edit = QDateEdit(qdate(row.start_local.date()), self)
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("ddd d MMM yyyy")
        self.start_edit = QTimeEdit(QTime(row.start_local.hour, row.start_local.minute), self)
        self.start_edit.setDisplayFormat("HH:mm")
        self.scope_choice = QComboBox(self)
        self.scope_choice.addItem(self.tr("This session only"), Scope.SESSION)
        if repeats:
            self.scope_choice.addItem(self.tr("This and the following sessions"), Scope.FOLLOWING)
            self.scope_choice.addItem(self.tr("Every session still to come"), Scope.SERIES)
        self.scope_choice.setEnabled(repeats)
        form = QFormLayout(self)
        for label, field in (
            (self.tr("&Room:"), self.room),
            (self.tr("&Date:"), self.date_edit),
            (self.tr("&Starts:"), self.start_edit),
            (self.tr("Sess&ions:"), self.scope_choice),
        ):
            form.addRow(label, field)
            field.setAccessibleName(label.replace("&", "").rstrip(":"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("&Move"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def target(self) -> tuple[int, date, time]:
        return self.room.currentData(), pydate(self.date_edit.date()), pytime(self.start_edit.time())

    def scope(self) -> Scope:
        return self.scope_choice.currentData()
