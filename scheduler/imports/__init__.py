"""Spreadsheets in and out: templates, checked all-or-nothing imports, exports (openpyxl; CSV too).

Must not import: desktop_app, PySide6.
"""
