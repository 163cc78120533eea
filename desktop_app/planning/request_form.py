"""RequestForm: add or edit a term's request; it validates as you type and shows each problem by its field.

Owns: turning the form's fields into a `RequestDraft` and showing `RequestService.validate`'s messages
next to the fields they belong to. Saving is refused (the button stays disabled) while any problem remains.
The rules themselves are the service's.
"""

from __future__ import annotations

from datetime import time

from PySide6.QtCore import Qt, QTime, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from desktop_app.focus_order import tab_in_order
from desktop_app.form_rows import labelled_row
from desktop_app.learning.size_hint import SuggestedSize
from desktop_app.planning.services import PlanningServices
from desktop_app.scrolling import scrolled
from models.types import Frequency, Visibility
from scheduler.errors import HubSchedError, InvalidRequest
from scheduler.recurrence import WEEKDAY_NAMES
from scheduler.services.requests import RequestDraft, WindowDraft

WINDOW_ROWS = 3
NTH_CHOICES = ((1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (-1, "last"))


def _qtime(at: time) -> QTime:
    return QTime(at.hour, at.minute)


def _pytime(at: QTime) -> time:
    return time(at.hour(), at.minute())


class CheckList(QListWidget):
    """A list of checkable choices, each carrying a value (an id or a key)."""

    def __init__(self, choices: list[tuple[object, str]], name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(name)
        for value, label in choices:
            item = QListWidgetItem(label, self)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            item.setData(Qt.ItemDataRole.UserRole, value)
        self.setMaximumHeight(max(60, min(6, self.count()) * 22))

    def checked(self) -> tuple:
        return tuple(
            self.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(self.count())
            if self.item(i).checkState() == Qt.CheckState.Checked
        )

    def set_checked(self, values) -> None:
        wanted = set(values)
        for i in range(self.count()):
            item = self.item(i)
            on = item.data(Qt.ItemDataRole.UserRole) in wanted
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def check(self, label: str, on: bool = True) -> None:
        for i in range(self.count()):
            if self.item(i).text() == label:
                self.item(i).setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
                return
        raise KeyError(label)


class WindowRow:
    """One weekday-and-time window: used?, weekday, from, to."""

    def __init__(self, parent: QWidget, number: int) -> None:
        self.used = QCheckBox(parent.tr("Window {n}").format(n=number), parent)
        self.weekday = QComboBox(parent)
        for index, name in enumerate(WEEKDAY_NAMES):
            self.weekday.addItem(name.title(), index)
        self.start = QTimeEdit(QTime(10, 0), parent)
        self.end = QTimeEdit(QTime(12, 0), parent)
        for edit, label in ((self.start, "from"), (self.end, "to")):
            edit.setDisplayFormat("HH:mm")
            edit.setAccessibleName(parent.tr("Window {n} {label}").format(n=number, label=label))
        self.weekday.setAccessibleName(parent.tr("Window {n} weekday").format(n=number))

    def widgets(self) -> list[QWidget]:
        return [self.used, self.weekday, self.start, self.end]

    def value(self) -> WindowDraft | None:
        if not self.used.isChecked():
            return None
        return WindowDraft(self.weekday.currentIndex(), _pytime(self.start.time()), _pytime(self.end.time()))

    def set(self, window: WindowDraft | None) -> None:
        self.used.setChecked(window is not None)
        if window is not None:
            self.weekday.setCurrentIndex(window.weekday)
            self.start.setTime(_qtime(window.start))
            self.end.setTime(_qtime(window.end))


class RequestForm(QDialog):
    """Add (request_id None) or edit a request. `saved` carries the request id after a successful save."""

    saved = Signal(int)
    validated = Signal(dict)

    def __init__(
        self,
        services: PlanningServices,
        term_id: int,
        *,
        request_id: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.term_id = term_id
        self.request_id = request_id
        self.version = 0
        self.errors: dict[str, str] = {}
        self.setWindowTitle(self.tr("Edit request") if request_id else self.tr("New request"))
        self._error_labels: dict[str, QLabel] = {}
        self._build()
        # The priority last filled in from an organisation's default: choosing another organisation fills in
        # its default, unless the priority was set by hand since.
        self._filled_priority: int | None = None
        if request_id is not None:
            draft, self.version = services.requests.draft_of(request_id)
            self.load(draft)
            self._filled_priority = self._default_priority.get(draft.organisation_id)
        else:
            self.fill_default_priority()
        self._connect_changes()
        self.revalidate()

    # -- construction -----------------------------------------------------------------------------------

    def _error_label(self, *keys: str) -> QLabel:
        label = QLabel(self)
        label.setWordWrap(True)
        label.setVisible(False)
        palette = label.palette()
        palette.setColor(QPalette.ColorRole.WindowText, Qt.GlobalColor.darkRed)
        label.setPalette(palette)
        for key in keys:
            self._error_labels[key] = label
        return label

    def _row(self, form: QFormLayout, text: str, field: QWidget, *keys: str) -> None:
        box = QWidget(self)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(field)
        if keys:
            layout.addWidget(self._error_label(*keys))
        labelled_row(form, text, field, box)

    def _build(self) -> None:
        directory = self.services.directory
        self.organisation = QComboBox(self)
        self._default_priority: dict[int, int] = {}
        for org in directory.organisations():
            self.organisation.addItem(f"{org.name} ({org.sector})", org.id)
            self._default_priority[org.id] = org.default_priority
        self.title_edit = QLineEdit(self)
        self.title_edit.setPlaceholderText(self.tr("e.g. Housing advice drop-in"))
        self.public_title = QLineEdit(self)
        self.visibility = QComboBox(self)
        for value, label in (
            (Visibility.PUBLIC, self.tr("Public: shown as is")),
            (Visibility.GENERIC, self.tr("Generic: public feeds show the neutral title")),
            (Visibility.PRIVATE, self.tr("Private: never in public feeds")),
        ):
            self.visibility.addItem(label, value.value)
        self.frequency = QComboBox(self)
        for value, label in (
            (Frequency.WEEKLY, self.tr("Weekly")),
            (Frequency.FORTNIGHTLY, self.tr("Fortnightly")),
            (Frequency.MONTHLY, self.tr("Monthly")),
        ):
            self.frequency.addItem(label, value.value)
        self.nth = QComboBox(self)
        for value, label in NTH_CHOICES:
            self.nth.addItem(self.tr(label), value)
        self.attendance = QSpinBox(self)
        self.attendance.setRange(0, 2000)
        self.attendance.setValue(10)
        self.duration = QSpinBox(self)
        self.duration.setRange(0, 720)
        self.duration.setSingleStep(15)
        self.duration.setSuffix(self.tr(" min"))
        self.duration.setValue(60)
        self.priority = QSpinBox(self)
        self.priority.setRange(1, 5)
        self.priority.setValue(3)
        hubs = [(h.id, h.name) for h in directory.hubs()]
        self.hubs = CheckList(hubs, self.tr("Acceptable hubs"), self)
        self.preferred = CheckList(hubs, self.tr("Preferred hubs"), self)
        self.facilities = CheckList(
            [(key, name) for key, name in self.services.requests.facility_choices()], self.tr("Facilities"), self
        )
        self.teams = CheckList(list(self.services.requests.team_choices()), self.tr("Shared people / teams"), self)
        self.step_free = QCheckBox(self.tr("Needs step-free access"), self)
        self.runs_in_breaks = QCheckBox(self.tr("Runs in half-term"), self)
        self.hide_location = QCheckBox(self.tr("Hide the location in public feeds"), self)

        windows = QWidget(self)
        grid = QGridLayout(windows)
        grid.setContentsMargins(0, 0, 0, 0)
        self.windows = [WindowRow(self, n + 1) for n in range(WINDOW_ROWS)]
        for r, row in enumerate(self.windows):
            for c, widget in enumerate(row.widgets()):
                grid.addWidget(widget, r, c)
        self.windows[0].used.setChecked(True)

        form = QFormLayout()
        organisation = QWidget(self)
        organisation_layout = QHBoxLayout(organisation)
        organisation_layout.setContentsMargins(0, 0, 0, 0)
        organisation_layout.addWidget(self.organisation, 1)
        # A group asking for the first time: add it without leaving the form.
        self.new_organisation_button = QPushButton(self.tr("&New organisation…"), self)
        organisation_layout.addWidget(self.new_organisation_button)
        if self.services.engine is not None:
            from desktop_app.admin.menu import new_organisation_callback

            add = new_organisation_callback(self.services)
            self.new_organisation_button.clicked.connect(lambda: add(self, self._organisation_added))
        else:
            self.new_organisation_button.hide()
        self._row(form, self.tr("&Organisation:"), organisation, "organisation", "term")
        self.organisation.setAccessibleName(self.tr("Organisation"))
        self._row(form, self.tr("&Title:"), self.title_edit, "title")
        self._row(form, self.tr("&Visibility:"), self.visibility)
        self._row(form, self.tr("&Public title:"), self.public_title, "public_title")
        freq = QWidget(self)
        freq_layout = QHBoxLayout(freq)
        freq_layout.setContentsMargins(0, 0, 0, 0)
        freq_layout.addWidget(self.frequency)
        freq_layout.addWidget(QLabel(self.tr("on the"), self))
        freq_layout.addWidget(self.nth)
        self.nth.setAccessibleName(self.tr("Which weekday of the month"))
        self._row(form, self.tr("&Frequency:"), freq, "frequency", "nth")
        self._row(form, self.tr("&When (weekday and window):"), windows, "windows")
        self._row(form, self.tr("&Length:"), self.duration, "duration")
        self._row(form, self.tr("Expected &attendance:"), self.attendance, "attendance")
        learning = getattr(self.services, "learning", None)
        self.suggested_size = SuggestedSize(learning, self.term_id, self.attendance, self)
        form.addRow("", self.suggested_size)  # last term's median attendance, with its source
        self._row(form, self.tr("P&riority (1–5):"), self.priority, "priority")
        self._row(form, self.tr("Acceptable &hubs:"), self.hubs, "hubs")
        self._row(form, self.tr("Pr&eferred hubs:"), self.preferred, "preferred_hubs")
        self._row(form, self.tr("Fa&cilities:"), self.facilities, "facilities")
        self._row(form, self.tr("Share&d people / teams:"), self.teams, "teams")
        form.addRow("", self.step_free)
        form.addRow("", self.runs_in_breaks)
        form.addRow("", self.hide_location)
        tab_in_order(  # Tab reads the form as laid out, row by row
            self.organisation,
            self.new_organisation_button,
            self.title_edit,
            self.visibility,
            self.public_title,
            self.frequency,
            self.nth,
            *(widget for row in self.windows for widget in row.widgets()),
            self.duration,
            self.attendance,
            self.priority,
            self.hubs,
            self.preferred,
            self.facilities,
            self.teams,
            self.step_free,
            self.runs_in_breaks,
            self.hide_location,
        )
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        body = QWidget(self)
        body.setLayout(form)
        layout = QVBoxLayout(self)
        layout.addWidget(scrolled(body, self), 1)  # the form scrolls; Save and Cancel stay on a small screen
        layout.addWidget(self.summary)
        layout.addWidget(self.buttons)

    def fill_default_priority(self, *_args) -> None:
        """Put the chosen organisation's default priority in the Priority field (not over a hand-set one)."""
        default = self._default_priority.get(self.organisation.currentData())
        if default is None:
            return
        if self._filled_priority is None or self.priority.value() == self._filled_priority:
            self.priority.setValue(default)
        self._filled_priority = default

    def _organisation_added(self, organisation) -> None:
        self._default_priority[organisation.id] = organisation.default_priority
        self.organisation.addItem(f"{organisation.name} ({organisation.sector})", organisation.id)
        self.organisation.setCurrentIndex(self.organisation.findData(organisation.id))
        self.title_edit.setFocus()

    def _connect_changes(self) -> None:
        self.suggested_size.watch(self.organisation, self.title_edit)
        self.organisation.currentIndexChanged.connect(self.fill_default_priority)
        for combo in (self.organisation, self.visibility, self.frequency, self.nth):
            combo.currentIndexChanged.connect(self.revalidate)
        for edit in (self.title_edit, self.public_title):
            edit.textChanged.connect(self.revalidate)
        for spin in (self.attendance, self.duration, self.priority):
            spin.valueChanged.connect(self.revalidate)
        for checklist in (self.hubs, self.preferred, self.facilities, self.teams):
            checklist.itemChanged.connect(self.revalidate)
        for box in (self.step_free, self.runs_in_breaks, self.hide_location):
            box.toggled.connect(self.revalidate)
        for row in self.windows:
            row.used.toggled.connect(self.revalidate)
            row.weekday.currentIndexChanged.connect(self.revalidate)
            row.start.timeChanged.connect(self.revalidate)
            row.end.timeChanged.connect(self.revalidate)

    # -- the draft --------------------------------------------------------------------------------------

    def draft(self) -> RequestDraft:
        frequency = Frequency(self.frequency.currentData())
        return RequestDraft(
            term_id=self.term_id,
            organisation_id=int(self.organisation.currentData() or 0),
            title=self.title_edit.text(),
            attendance=self.attendance.value(),
            duration_min=self.duration.value(),
            windows=tuple(w for w in (row.value() for row in self.windows) if w is not None),
            acceptable_hub_ids=self.hubs.checked(),
            preferred_hub_ids=self.preferred.checked(),
            frequency=frequency,
            nth=int(self.nth.currentData()) if frequency is Frequency.MONTHLY else None,
            public_title=self.public_title.text(),
            visibility=Visibility(self.visibility.currentData()),
            hide_location=self.hide_location.isChecked(),
            team_ids=self.teams.checked(),
            facility_keys=self.facilities.checked(),
            step_free=self.step_free.isChecked(),
            priority=self.priority.value(),
            runs_in_breaks=self.runs_in_breaks.isChecked(),
        )

    def load(self, draft: RequestDraft) -> None:
        self.organisation.setCurrentIndex(max(0, self.organisation.findData(draft.organisation_id)))
        self.title_edit.setText(draft.title)
        self.public_title.setText(draft.public_title)
        self.visibility.setCurrentIndex(max(0, self.visibility.findData(draft.visibility.value)))
        self.frequency.setCurrentIndex(max(0, self.frequency.findData(draft.frequency.value)))
        if draft.nth is not None:
            self.nth.setCurrentIndex(max(0, self.nth.findData(draft.nth)))
        self.attendance.setValue(draft.attendance)
        self.duration.setValue(draft.duration_min)
        self.priority.setValue(draft.priority)
        self.hubs.set_checked(draft.acceptable_hub_ids)
        self.preferred.set_checked(draft.preferred_hub_ids)
        self.facilities.set_checked(draft.facility_keys)
        self.step_free.setChecked(draft.step_free)
        self.runs_in_breaks.setChecked(draft.runs_in_breaks)
        self.hide_location.setChecked(draft.hide_location)
        self.teams.set_checked(draft.team_ids)
        for index, row in enumerate(self.windows):
            row.set(draft.windows[index] if index < len(draft.windows) else None)

    # -- validation and saving --------------------------------------------------------------------------

    def revalidate(self, *_args) -> dict[str, str]:
        draft = self.draft()
        self.nth.setEnabled(draft.frequency is Frequency.MONTHLY)
        self.public_title.setEnabled(draft.visibility is not Visibility.PUBLIC)
        try:
            errors = self.services.requests.validate(draft)
        except HubSchedError as exc:
            errors = {"": str(exc)}
        self.show_errors(errors)
        return errors

    def show_errors(self, errors: dict[str, str]) -> None:
        self.errors = dict(errors)
        texts: dict[int, list[str]] = {}
        labels = {id(label): label for label in self._error_labels.values()}
        general = []
        for key, message in errors.items():
            label = self._error_labels.get(key)
            if label is None:
                general.append(message)
            else:
                texts.setdefault(id(label), []).append(message)
        for key, label in labels.items():
            messages = texts.get(key, [])
            label.setText(" ".join(messages))
            label.setVisible(bool(messages))
            label.setAccessibleName(" ".join(messages))
        count = len(errors)
        self.summary.setText(
            " ".join(general)
            + (self.tr(" {n} problem(s) to fix before saving.").format(n=count) if count else self.tr("Ready to save."))
        )
        self.save_button.setEnabled(not errors)
        self.validated.emit(self.errors)

    def error_for(self, key: str) -> str:
        """The message shown next to a field ("" when that field is fine)."""
        label = self._error_labels.get(key)
        return label.text() if label is not None else ""

    def save(self) -> None:
        draft = self.draft()
        try:
            if self.request_id is None:
                self.request_id = self.services.requests.create(draft)
            else:
                self.version = self.services.requests.update(self.request_id, self.version, draft)
        except InvalidRequest as exc:
            self.show_errors(exc.fields or {"": str(exc)})
            return
        except HubSchedError as exc:
            self.show_errors({"": str(exc)})
            return
        self.saved.emit(self.request_id)
        self.accept()
