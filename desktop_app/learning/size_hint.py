"""SuggestedSize: under the request form's attendance field, the size learned from last term's attendance.

Owns: asking LearningService for the median recorded attendance of the series a request continues (same
organisation and title, previous term), showing it with where it came from, and a "Use it" button that
puts it in the attendance field. Nothing changes unless the manager presses the button.
Must not import: models.entities, sqlalchemy.
"""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QSpinBox, QWidget

from scheduler.errors import HubSchedError


class SuggestedSize(QWidget):
    def __init__(self, learning, term_id: int, attendance: QSpinBox, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.learning = learning  # LearningService, or None when the planning services were built without it
        self.term_id = term_id
        self.attendance = attendance
        self.suggested: int | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.use_button = QPushButton(self.tr("&Use it"), self)
        self.use_button.setAutoDefault(False)
        self.use_button.clicked.connect(self.use)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.use_button)
        self.setAccessibleName(self.tr("Suggested size from attendance"))
        self.hide()

    def watch(self, organisation: QComboBox, title: QLineEdit) -> None:
        self._organisation, self._title = organisation, title
        organisation.currentIndexChanged.connect(self.update_suggestion)
        title.textChanged.connect(self.update_suggestion)
        self.update_suggestion()

    def update_suggestion(self, *_args) -> None:
        organisation_id = self._organisation.currentData()
        title = self._title.text().strip()
        suggestion = None
        if self.learning is not None and organisation_id and title:
            try:
                suggestion = self.learning.suggested_size(self.term_id, int(organisation_id), title)
            except HubSchedError:
                suggestion = None
        self.suggested = suggestion.median if suggestion else None
        if suggestion is None:
            self.hide()
            return
        text = self.tr("Suggested from attendance: {n} ({source}).").format(
            n=suggestion.median, source=suggestion.source
        )
        self.label.setText(text)
        self.label.setAccessibleName(text)
        self.show()

    def use(self) -> None:
        if self.suggested is not None:
            self.attendance.setValue(self.suggested)
