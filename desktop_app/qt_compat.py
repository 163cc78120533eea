"""Work-arounds for defects in the Qt binding, applied once by each entry point that starts Qt.

Owns: `guard_none_refcount`. Nothing here runs at import time.
"""

from __future__ import annotations

import ctypes
import sys

_RESERVE = 1 << 40


def none_refcount_is_drained_by_pyside() -> bool:
    """True for PySide6 6.12 on CPython < 3.12, where every call of a void C++ method from Python
    returns None without taking a reference (CPython >= 3.12 makes None immortal, which hides it)."""
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return False
    import PySide6

    major, minor = (int(part) for part in PySide6.__version__.split(".")[:2])
    return (major, minor) >= (6, 12)


def guard_none_refcount() -> None:
    """WORKAROUND: give None a huge reference count, as CPython 3.12 does, when the binding drains it.

    Measured with PySide6-Essentials 6.12.0 on Python 3.11.7: `QStatusBar.showMessage("x")` lowers
    `sys.getrefcount(None)` by exactly one per call (6.11 does not); a few thousand repaints of the
    calendar then end in "Fatal Python error: none_dealloc". Remove when PySide6 is fixed or Python
    3.11 is no longer supported.
    """
    if not none_refcount_is_drained_by_pyside() or sys.getrefcount(None) > _RESERVE // 2:
        return
    ctypes.c_ssize_t.from_address(id(None)).value += _RESERVE
