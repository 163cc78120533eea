"""AcceptAllocationCommand: accepting an allocation as one step on the hub calendar's undo stack.

Owns: the QUndoCommand whose do, undo and redo call `AllocationUndo` (accept / undo / redo). It runs
through the calendar's `ChangeController`, so a refused step is reported the same way as a refused booking
change and Edit → Undo takes the whole allocation back.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from desktop_app.commands import ChangeController, ServiceCommand
from scheduler.services.allocation import AllocationPreview
from scheduler.services.allocation_undo import AcceptedAllocation, AllocationUndo


def _tr(text: str) -> str:
    return QCoreApplication.translate("Planning", text)


class AcceptAllocationCommand(ServiceCommand):
    def __init__(self, controller: ChangeController, undo: AllocationUndo, preview: AllocationPreview):
        super().__init__(controller, _tr("Accept the allocation of {term}").format(term=preview.term_name))
        self.undo_service = undo
        self.preview = preview
        self.accepted: AcceptedAllocation | None = None

    def apply(self) -> None:
        if self.accepted is None:
            self.accepted = self.undo_service.accept(self.preview)
        else:
            self.accepted = self.undo_service.redo(self.accepted)

    def revert(self) -> None:
        assert self.accepted is not None
        self.accepted = self.undo_service.undo(self.accepted)
