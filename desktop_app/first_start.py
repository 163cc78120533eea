"""FirstStartDialog: on a new, empty database, ask — explore the demo borough, or start your own.

Owns: the question and what each answer does through BoroughSetup (load the demo, or remember that this is
an empty borough of its own, so the question is not asked again). `HUBSCHED_FIRST_START=demo|own`
answers it without asking (`tasks.py run` passes demo, as the README promises).
"""

from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCommandLinkButton, QDialog, QLabel, QVBoxLayout, QWidget

from scheduler.services.first_start import BoroughSetup

ENV_VAR = "HUBSCHED_FIRST_START"
DEMO, OWN = "demo", "own"


class FirstStartDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.choice: str | None = None
        self.setWindowTitle(self.tr("Welcome to Hub Scheduler"))
        intro = QLabel(
            self.tr(
                "This database is new. Would you like to look around a demo borough first, or set up your own "
                "hubs, rooms, organisations and terms?"
            ),
            self,
        )
        intro.setWordWrap(True)
        self.demo_button = QCommandLinkButton(
            self.tr("Explore the &demo borough"),
            self.tr("Six illustrative Redbridge hubs with rooms, organisations, a term of requests and bookings."),
            self,
        )
        self.own_button = QCommandLinkButton(
            self.tr("Start your &own borough"),
            self.tr("An empty borough with a checklist: hubs and opening hours, rooms, organisations, terms."),
            self,
        )
        self.demo_button.clicked.connect(lambda: self._choose(DEMO))
        self.own_button.clicked.connect(lambda: self._choose(OWN))
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.demo_button)
        layout.addWidget(self.own_button)
        self.setMinimumWidth(520)
        self.demo_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def _choose(self, choice: str) -> None:
        self.choice = choice
        self.accept()


def answer_first_start(setup: BoroughSetup, ask=None) -> str:
    """Carry out the first-start choice: from $HUBSCHED_FIRST_START, else from `ask()` (the dialog).

    Returns "demo" or "own". Closing the dialog without choosing starts nothing and asks again next time.
    """
    choice = os.environ.get(ENV_VAR, "").strip().lower()
    if choice not in (DEMO, OWN):
        if ask is None:
            dialog = FirstStartDialog()
            dialog.exec()
            choice = dialog.choice or ""
        else:
            choice = ask()
    if choice == DEMO:
        setup.load_demo()
    elif choice == OWN:
        setup.start_empty()
    return choice
