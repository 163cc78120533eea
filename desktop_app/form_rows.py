"""`labelled_row`: one form row whose label is the field's keyboard buddy and accessible name.

Owns: the accessibility habit every form keeps (Alt+letter reaches the field, a screen reader names it
by its label), written once for every dialog and panel. Must not import any service.
"""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QLabel, QWidget


def labelled_row(form: QFormLayout, text: str, field: QWidget, row: QWidget | None = None) -> QLabel:
    """Add `text` and `row` (the field itself unless it sits in a wider row widget) to `form`."""
    label = QLabel(text, form.parentWidget())
    label.setBuddy(field)
    field.setAccessibleName(text.replace("&", "").rstrip(":"))
    form.addRow(label, row if row is not None else field)
    return label
