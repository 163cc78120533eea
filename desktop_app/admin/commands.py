"""Undoable reference-data changes for the Administration window.

Owns: `AdminController` (the window's QUndoStack; carries a change out before pushing it, asks first when
ReferenceService says booked sessions are affected, reports refusals through Prompts) and
`ReferenceCommand`, whose undo and redo call the services again with the version our own change left, so
an undo after someone else's edit is refused as stale instead of overwriting it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack
from PySide6.QtWidgets import QWidget

from desktop_app.prompts import Prompts
from scheduler.errors import HubSchedError, NeedsConfirmation, StaleEdit
from scheduler.services.reference import MergeResult, Record


def _tr(text: str) -> str:
    return QCoreApplication.translate("Administration", text)


class AdminController(QObject):
    changed = Signal()

    def __init__(self, prompts: Prompts, parent_widget: Callable[[], QWidget | None]) -> None:
        super().__init__()
        self.prompts = prompts
        self._parent = parent_widget
        self.stack = QUndoStack(self)
        # Undoing an add deletes the record and redoing it adds it again under a new id: later commands (and
        # drafts naming it, such as a room's hub) follow the record through these aliases. The versions are
        # the ones our own last change left, so that our own undo/redo never looks like someone else's edit.
        self._aliases: dict[tuple[str, int], int] = {}
        self._versions: dict[tuple[str, int], int] = {}

    def resolve(self, kind: str, record_id: int) -> int:
        seen = set()
        while (kind, record_id) in self._aliases and record_id not in seen:
            seen.add(record_id)
            record_id = self._aliases[(kind, record_id)]
        return record_id

    def alias(self, kind: str, old_id: int, new_id: int) -> None:
        if old_id != new_id:
            self._aliases[(kind, old_id)] = new_id

    def version(self, kind: str, record_id: int, seen: int) -> int:
        return self._versions.get((kind, record_id), seen)

    def remember(self, kind: str, record_id: int, version: int) -> None:
        self._versions[(kind, record_id)] = version

    def confirmed(self, work: Callable[[bool], Any], title: str) -> Any:
        """Run `work(confirm)`; if booked sessions would be affected, list them and ask before going ahead."""
        try:
            return work(False)
        except NeedsConfirmation as asked:
            shown = "\n".join(f"• {line}" for line in asked.affected[:15])
            more = len(asked.affected) - 15
            if more > 0:
                shown += "\n" + _tr("… and {n} more").format(n=more)
            question = _tr("{what} affects these booked sessions:\n\n{sessions}\n\nGo ahead anyway?").format(
                what=asked.what, sessions=shown
            )
            if not self.prompts.confirm(self._parent(), title, question):
                return None
            return work(True)

    def run(self, command: ReferenceCommand) -> bool:
        try:
            done = command.first()
        except HubSchedError as exc:
            self.report(exc, command.text())
            return False
        if not done:
            return False
        command.applied = True
        self.stack.push(command)
        self.changed.emit()
        return True

    def report(self, error: HubSchedError, action: str) -> None:
        if isinstance(error, StaleEdit):
            self.prompts.error(
                self._parent(),
                _tr("Changed elsewhere"),
                _tr("Someone else changed this meanwhile, so “{action}” was not done.\n\n{reason}").format(
                    action=action, reason=str(error)
                ),
            )
            self.changed.emit()
            return
        self.prompts.error(self._parent(), _tr("Cannot {action}").format(action=action), str(error))


class ReferenceCommand(QUndoCommand):
    """Add, edit or delete a record (or merge organisations), undoable through the same services.

    `ops` is a small table of service calls for the record's kind: get, add, edit, delete.
    """

    def __init__(
        self,
        controller: AdminController,
        text: str,
        ops: dict[str, Callable],
        *,
        kind: str = "",
        translate: Callable[[Any, Callable[[str, int], int]], Any] | None = None,
        record_id: int | None = None,
        before: Any = None,
        after: Any = None,
        version: int = 0,
    ) -> None:
        super().__init__(text)
        self.controller = controller
        self.ops = ops
        self.kind = kind
        self.translate = translate  # follows the ids a draft names (a room's hub) through re-adds
        self.record_id = record_id  # the id the record first had; the controller knows its current one
        self.exists = record_id is not None
        self.before = before  # draft before the change (None for an add)
        self.after = after  # draft after the change (None for a delete)
        self.version = version  # the version the next service call must name
        self.applied = False
        self.result: Record | None = None

    def _set(self, draft: Any, confirm: bool) -> None:
        """Make the record look like `draft` (None: delete it; no record yet: add it)."""
        ctl = self.controller
        current = ctl.resolve(self.kind, self.record_id) if self.record_id is not None else None
        if draft is None:
            self.ops["delete"](current)
            self.exists = False
            return
        if self.translate is not None:
            draft = self.translate(draft, ctl.resolve)
        if not self.exists:
            record = self.ops["add"](draft)
            if self.record_id is None:
                self.record_id = record.id
            else:
                ctl.alias(self.kind, current, record.id)
            self.exists = True
        else:
            version = ctl.version(self.kind, current, self.version)
            record = self.ops["edit"](current, version, draft, confirm=confirm)
        ctl.remember(self.kind, record.id, record.version)
        self.version, self.result = record.version, record

    def first(self) -> bool:
        title = self.text()
        done = self.controller.confirmed(lambda confirm: self._set(self.after, confirm) or True, title)
        return bool(done)

    def redo(self) -> None:
        if self.applied:
            self.applied = False
            return
        self._guarded(lambda: self._set(self.after, True), _tr("Redo"))

    def undo(self) -> None:
        self._guarded(lambda: self._set(self.before, True), _tr("Undo"))

    def _guarded(self, work: Callable[[], None], verb: str) -> None:
        try:
            work()
        except HubSchedError as exc:
            self.controller.report(exc, f"{verb} {self.text()}")
            self.setObsolete(True)
        self.controller.changed.emit()


class MergeCommand(QUndoCommand):
    def __init__(
        self, controller: AdminController, text: str, merge: Callable, unmerge: Callable, ids: tuple[int, int]
    ):
        super().__init__(text)
        self.controller = controller
        self._merge, self._unmerge, self.ids = merge, unmerge, ids
        self.result: MergeResult | None = None
        self.applied = False

    def first(self) -> bool:
        self.result = self._merge(*self.ids)
        return True

    def redo(self) -> None:
        if self.applied:
            self.applied = False
            return
        try:
            self.result = self._merge(*self.ids)
        except HubSchedError as exc:
            self.controller.report(exc, self.text())
            self.setObsolete(True)
        self.controller.changed.emit()

    def undo(self) -> None:
        try:
            self._unmerge(self.result)
        except HubSchedError as exc:
            self.controller.report(exc, self.text())
            self.setObsolete(True)
        self.controller.changed.emit()
