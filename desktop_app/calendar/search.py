"""Search (Ctrl+K): find a session or series by title, organisation, hub or room, as you type.

Owns: the search box and its result list (`SearchResultModel` over `SearchHit` rows, `SearchDialog`), a
short pause before asking the service so typing stays smooth, and saying which hit was chosen
(`hit_chosen`); the window jumps to it. The matching is `scheduler.services.search.SessionSearch`'s.
Must not open a database session.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QDialog, QLabel, QLineEdit, QListView, QVBoxLayout, QWidget

from desktop_app.calendar.words import sentence
from desktop_app.item_models import Role
from desktop_app.planning.workers import BackgroundJob, TaskWorker
from scheduler.errors import HubSchedError
from scheduler.services.search import SearchHit, SessionSearch

Index = QModelIndex | QPersistentModelIndex
TYPING_PAUSE_MS = 120


class SearchResultModel(QAbstractListModel):
    """One line per hit: title (organisation), where, pattern and next date. Role.ROW holds the SearchHit."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._hits: list[SearchHit] = []

    def set_hits(self, hits: list[SearchHit]) -> None:
        self.beginResetModel()
        self._hits = list(hits)
        self.endResetModel()

    def hits(self) -> list[SearchHit]:
        return list(self._hits)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._hits)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._hits):
            return None
        hit = self._hits[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            when = (self.tr("next {date}") if hit.upcoming else self.tr("last {date}")).format(
                date=f"{hit.start_local:%a %d %b %Y %H:%M}"
            )
            public = f" — “{hit.public_title}”" if hit.public_title and hit.public_title != hit.title else ""
            return f"{hit.title}{public} ({hit.organisation})\n{hit.room}, {hit.hub} · {hit.pattern} · {when}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tr("Found by {field}").format(field=hit.matched)
        if role == Role.ROW:
            return hit
        if role == Role.ID:
            return hit.occurrence_id
        return None


class SearchDialog(QDialog):
    """A search box over every date. Enter (or a double click) on a result emits `hit_chosen` and closes."""

    hit_chosen = Signal(object)  # SearchHit

    def __init__(self, search: SessionSearch, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Find a session"))
        self._search = search
        self.query = QLineEdit(self)
        self.query.setPlaceholderText(self.tr("Title, organisation, hub or room…"))
        self.query.setAccessibleName(self.tr("Search sessions"))
        self.query.setClearButtonEnabled(True)
        self.model = SearchResultModel(self)
        self.results = QListView(self)
        self.results.setModel(self.model)
        self.results.setAccessibleName(self.tr("Search results"))
        self.results.setAlternatingRowColors(True)
        self.results.setWordWrap(True)
        self.status = QLabel(self)
        self.status.setAccessibleName(self.tr("Search status"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.query)
        layout.addWidget(self.results, 1)
        layout.addWidget(self.status)
        self.setMinimumSize(420, 300)
        self.resize(640, 420)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(TYPING_PAUSE_MS)
        self._timer.timeout.connect(self.run_search)
        self.query.textChanged.connect(lambda _t: self._timer.start())
        self.query.returnPressed.connect(self.choose_current)
        self.results.activated.connect(lambda _i: self.choose_current())
        self.query.installEventFilter(self)
        self._say(self.tr("Type to search every date."))
        # The first search reads every series (about a second at 30,000 sessions): do it off the GUI thread
        # while the user types, and search as soon as it is ready.
        self._warming: BackgroundJob | None = BackgroundJob(TaskWorker(lambda _stop: search.prepare()), self)
        self._warming.done.connect(self._warmed)
        self._warming.start()

    def _warmed(self) -> None:
        self._warming = None
        if self.query.text().strip():
            self.run_search()

    def done(self, result: int) -> None:
        if self._warming is not None:
            self._warming.join()
            self._warming = None
        super().done(result)

    def _say(self, text: str) -> None:
        self.status.setText(text)

    def run_search(self) -> None:
        """Ask the service now (typing normally waits for a short pause first)."""
        self._timer.stop()
        text = self.query.text()
        if self._warming is not None:
            self._say(self.tr("Reading the sessions…"))
            return
        try:
            hits = self._search.search(text)
        except HubSchedError as exc:
            self.model.set_hits([])
            self._say(sentence(str(exc)))
            return
        self.model.set_hits(hits)
        if hits:
            self.results.setCurrentIndex(self.model.index(0))
            found = self.tr("1 match.") if len(hits) == 1 else self.tr("{n} matches.").format(n=len(hits))
            self._say(found + " " + self.tr("Enter shows the selected one in the calendar."))
        elif text.strip():
            self._say(self.tr("Nothing matches “{text}”.").format(text=text.strip()))
        else:
            self._say(self.tr("Type to search every date."))

    def choose_current(self) -> None:
        if self._warming is not None:  # Enter before the index is read: wait for it (a second at most)
            self._warming.join()
            self._warming = None
            self.run_search()
        if self._timer.isActive():
            self.run_search()
        index = self.results.currentIndex()
        if not index.isValid():
            return
        hit = self.model.hits()[index.row()]
        self.hit_chosen.emit(hit)
        self.accept()

    def eventFilter(self, watched, event) -> bool:
        # Up and Down in the search box move through the results, as in a browser's address bar.
        if (
            watched is self.query
            and isinstance(event, QKeyEvent)
            and event.type() == QKeyEvent.Type.KeyPress
            and event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up)
            and self.model.rowCount()
        ):
            row = self.results.currentIndex().row()
            row = max(0, min(self.model.rowCount() - 1, row + (1 if event.key() == Qt.Key.Key_Down else -1)))
            self.results.setCurrentIndex(self.model.index(row))
            return True
        return super().eventFilter(watched, event)
