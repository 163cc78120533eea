"""Helpers for the tab-order tests: the input widgets of a window in the order Tab visits them, and in the order
they appear on screen (top to bottom, then left to right within a row)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QCheckBox,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QTextEdit,
    QWidget,
)

INPUTS = (QLineEdit, QAbstractSpinBox, QComboBox, QCheckBox, QRadioButton, QPlainTextEdit, QTextEdit)


def _part_of_another_input(widget: QWidget, top: QWidget) -> bool:
    """The line edit inside a spin box, date edit or editable combo box is part of that widget."""
    parent = widget.parentWidget()
    while parent is not None and parent is not top:
        if isinstance(parent, (QAbstractSpinBox, QComboBox)):
            return True
        parent = parent.parentWidget()
    return False


def _tab_stop(widget: QWidget, top: QWidget) -> bool:
    return (
        widget.isVisibleTo(top)
        and widget.isEnabled()
        and bool(widget.focusPolicy() & Qt.FocusPolicy.TabFocus)
        and widget.focusProxy() is None
        and (widget is top or top.isAncestorOf(widget))
    )


def is_input(widget: QWidget, top: QWidget) -> bool:
    if isinstance(widget, QTextEdit) and widget.isReadOnly():
        return False
    return isinstance(widget, INPUTS) and not _part_of_another_input(widget, top)


def tab_chain(top: QWidget, within: QWidget | None = None) -> list[QWidget]:
    """The input widgets inside `within` (default: `top`) in the order Tab visits them: Qt's focus chain, keeping
    the widgets Tab stops at (visible, enabled, accepting Tab focus)."""
    within = within or top
    chain: list[QWidget] = []
    widget = top.nextInFocusChain()
    for _ in range(10_000):
        if widget is top:
            break
        if _tab_stop(widget, top) and within.isAncestorOf(widget) and is_input(widget, top) and widget not in chain:
            chain.append(widget)
        widget = widget.nextInFocusChain()
    return chain


def walk_with_tab(top: QWidget, within: QWidget | None = None) -> list[QWidget]:
    """Press Tab for real (QWidget.focusNextChild) from the first input and note the inputs inside `within`
    that take the focus, once round."""
    within = within or top
    first = tab_chain(top, within)[0]
    top.activateWindow()
    first.setFocus(Qt.FocusReason.TabFocusReason)
    QApplication.processEvents()
    assert QApplication.focusWidget() is first, f"{name(first)} did not take the focus"
    visited = [first]
    for _ in range(500):
        QApplication.focusWidget().focusNextChild()
        QApplication.processEvents()
        widget = QApplication.focusWidget()
        if widget is first:
            return visited
        if within.isAncestorOf(widget) and is_input(widget, top) and widget not in visited:
            visited.append(widget)
    raise AssertionError(f"Tab never came back to {name(first)}: it is kept in {name(QApplication.focusWidget())}")


def rect_in(widget: QWidget, top: QWidget) -> QRect:
    return QRect(widget.mapTo(top, QPoint(0, 0)), widget.size())


def columns(widgets: list[QWidget], top: QWidget) -> list[list[QWidget]]:
    """Side-by-side columns of a two-column form: groups of widgets separated by a vertical gutter that no
    input widget crosses, left to right. A form with a full-width field has one column."""
    spans = sorted(widgets, key=lambda w: rect_in(w, top).x())
    groups: list[list[QWidget]] = []
    right = None
    for widget in spans:
        rect = rect_in(widget, top)
        if groups and rect.x() <= right:
            groups[-1].append(widget)
            right = max(right, rect.right())
        else:
            groups.append([widget])
            right = rect.right()
    return groups


def rows(widgets: list[QWidget], top: QWidget) -> list[QWidget]:
    """Top to bottom; widgets whose vertical middles fall within the first one's height share a row, left to
    right."""
    by_middle = sorted(widgets, key=lambda w: (rect_in(w, top).center().y(), rect_in(w, top).x()))
    grouped: list[list[QWidget]] = []
    for widget in by_middle:
        middle = rect_in(widget, top).center().y()
        if grouped:
            first = rect_in(grouped[-1][0], top)
            if first.top() <= middle <= first.bottom():
                grouped[-1].append(widget)
                continue
        grouped.append([widget])
    return [w for row in grouped for w in sorted(row, key=lambda w: rect_in(w, top).x())]


def layout_order(widgets: list[QWidget], top: QWidget) -> list[QWidget]:
    """Reading order on screen: column by column (left to right), each top to bottom and left to right.

    Columns are a two-column form's only when each holds inputs one above another; a single row of inputs
    side by side (such as the fairness shares above the review) is read as a row.
    """
    found = columns(widgets, top)
    stacked = all(len({rect_in(w, top).center().y() for w in column}) > 1 for column in found)
    if len(found) > 1 and not stacked:
        return rows(widgets, top)
    return [w for column in found for w in rows(column, top)]


def name(widget: QWidget) -> str:
    text = widget.accessibleName() or widget.objectName()
    if not text and isinstance(widget, (QCheckBox, QRadioButton)):
        text = widget.text().replace("&", "")
    return f"{type(widget).__name__}({text})"


def orders(top: QWidget, within: QWidget | None = None) -> tuple[list[str], list[str]]:
    """(the order Tab visits the inputs, their order on screen), as names."""
    visited = walk_with_tab(top, within)
    return [name(w) for w in visited], [name(w) for w in layout_order(visited, top)]
