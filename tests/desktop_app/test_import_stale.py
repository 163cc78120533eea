"""The import dialog applies what its check showed, or nothing: a room someone else changed after the check is
named in a dialog, their change is kept and Apply waits for a new check."""

from __future__ import annotations

from dataclasses import replace

from openpyxl import load_workbook

from desktop_app.import_dialog import ImportDialog
from scheduler.services.reference import ReferenceService
from tests.dbdump import dump


def test_a_room_changed_after_the_check_is_named_and_nothing_is_imported(qtbot, small, prompts, tmp_path) -> None:
    dialog = ImportDialog(small.services, prompts)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.kind.setCurrentIndex(dialog.kind.findData("rooms"))
    template = dialog.save_template(str(tmp_path / "rooms.xlsx"))
    book = load_workbook(template)
    book["Rooms"].append(["Ilford Civic Hub", "Main Hall", 90, "Kitchen"])
    path = tmp_path / "filled.xlsx"
    book.save(path)
    dialog.file.setText(str(path))
    assert dialog.check().ok and dialog.apply_button.isEnabled()

    reference = ReferenceService(small.services.wired.sessions, "Someone else")
    record = reference.room(small.borough.hall_id)
    reference.edit_room(record.id, record.version, replace(record.draft, capacity=80))
    before = dump(small.services.engine)
    assert dialog.apply() is False
    assert len(prompts.errors) == 1
    title, message = prompts.errors[0]
    assert title == "Cannot import"
    assert "row 2: room Main Hall, Ilford Civic Hub was changed by someone else" in message
    assert dump(small.services.engine) == before
    assert not dialog.apply_button.isEnabled(), "the user checks again before anything is imported"

    assert dialog.check().ok
    assert dialog.apply() is True
    assert reference.room(small.borough.hall_id).draft.capacity == 90
