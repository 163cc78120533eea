"""FairnessBox: the term's fairness policy in the planning window (Allocate tab), shown and edited.

Owns: three share spin boxes (council, partner, resident, in percent), the fairness weight, "Save for
this term" and "Use the default", and a plain-words line saying whether the shown policy is the term's
own, the default, or not saved yet. The term's allocation runs use the saved policy; the rules (each
share 0..100%, together at most 100%, weight 0..10) are FairnessService's, checked here only to say so
before saving. Must not import the database library; talks to FairnessService only.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDoubleSpinBox, QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop_app.planning.models import SECTOR_NAMES
from desktop_app.planning.services import PlanningServices
from desktop_app.prompts import Prompts
from scheduler.errors import HubSchedError, StaleEdit
from scheduler.services.fairness import MAX_WEIGHT, SECTORS, FairnessSetting


class FairnessBox(QGroupBox):
    saved = Signal(object)  # FairnessSetting, after it was stored or reset

    def __init__(self, services: PlanningServices, prompts: Prompts, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("Fairness policy for this term"))
        self.services = services
        self.prompts = prompts
        self.term_id = 0
        self.setting: FairnessSetting | None = None
        self._shown: tuple[float, dict[str, float]] | None = None  # the values as loaded (shown rounded)

        self.shares: dict[str, QDoubleSpinBox] = {}
        row = QHBoxLayout()
        for sector in SECTORS:
            spin = QDoubleSpinBox(self)
            spin.setRange(0.0, 100.0)
            spin.setDecimals(1)
            spin.setSingleStep(5.0)
            spin.setSuffix(self.tr(" %"))
            name = self.tr(SECTOR_NAMES.get(sector, sector))
            spin.setAccessibleName(self.tr("{sector} target share").format(sector=name))
            spin.setToolTip(self.tr("The share of all demand {sector} is entitled to").format(sector=name.lower()))
            label = QLabel(self.tr("{sector}:").format(sector=name), self)
            label.setBuddy(spin)
            row.addWidget(label)
            row.addWidget(spin)
            spin.valueChanged.connect(self._edited)
            self.shares[sector] = spin
        self.weight = QDoubleSpinBox(self)
        self.weight.setRange(0.0, MAX_WEIGHT)
        self.weight.setDecimals(2)
        self.weight.setSingleStep(0.05)
        self.weight.setAccessibleName(self.tr("Fairness weight"))
        self.weight.setToolTip(
            self.tr(
                "How much bringing the worst-off sector up to its share counts, as a share of all demand "
                "(0 turns fairness off; 0.25: worth a quarter of all demand)"
            )
        )
        self.weight.valueChanged.connect(self._edited)
        weight_label = QLabel(self.tr("&Weight:"), self)
        weight_label.setBuddy(self.weight)
        row.addWidget(weight_label)
        row.addWidget(self.weight)
        self.save_button = QPushButton(self.tr("Sa&ve for this term"), self)
        self.default_button = QPushButton(self.tr("Use the de&fault"), self)
        self.default_button.setToolTip(self.tr("Forget this term's own policy: weight 0.25; 30%, 30%, 40%"))
        self.save_button.clicked.connect(self.save)
        self.default_button.clicked.connect(self.use_default)
        row.addWidget(self.save_button)
        row.addWidget(self.default_button)
        row.addStretch(1)
        self.state = QLabel(self)
        self.state.setWordWrap(True)
        self.state.setAccessibleName(self.tr("Fairness policy state"))
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.state)
        self._update()

    # -- loading ---------------------------------------------------------------------------------------

    def set_term(self, term_id: int) -> None:
        self.term_id = term_id
        self.reload()

    def reload(self) -> None:
        if not self.term_id or self.services.fairness is None:
            self.setting = None
        else:
            self.setting = self.services.fairness.setting(self.term_id)
        self._show(self.setting)

    def _show(self, setting: FairnessSetting | None) -> None:
        for spin in (*self.shares.values(), self.weight):
            spin.blockSignals(True)
        if setting is not None:
            for sector, spin in self.shares.items():
                spin.setValue(round(setting.share(sector) * 100, 1))
            self.weight.setValue(setting.weight)
        for spin in (*self.shares.values(), self.weight):
            spin.blockSignals(False)
        self._shown = self.values() if setting is not None else None
        self._update()

    # -- editing ---------------------------------------------------------------------------------------

    def values(self) -> tuple[float, dict[str, float]]:
        """The weight and the shares (fractions) as shown."""
        return self.weight.value(), {sector: spin.value() / 100 for sector, spin in self.shares.items()}

    @property
    def edited(self) -> bool:
        if self._shown is None:
            return False
        return self.values() != self._shown

    def _total(self) -> float:
        return sum(spin.value() for spin in self.shares.values())

    def _edited(self, *_args) -> None:
        self._update()

    def _update(self) -> None:
        ready = self.setting is not None
        for spin in (*self.shares.values(), self.weight):
            spin.setEnabled(ready)
        total = self._total()
        too_much = total > 100 + 1e-6
        self.save_button.setEnabled(ready and self.edited and not too_much)
        self.default_button.setEnabled(ready and (self.setting.stored or self.edited))  # type: ignore[union-attr]
        if not ready:
            self.state.setText(self.tr("Choose a term to see its fairness policy."))
        elif too_much:
            self.state.setText(
                self.tr("The shares add up to {total:.0f}%: at most 100% is possible. Lower one to save.").format(
                    total=total
                )
            )
        elif self.edited:
            self.state.setText(
                self.tr(
                    "Not saved yet (shares add up to {total:.0f}%). The next run uses the policy once saved."
                ).format(total=total)
            )
        elif self.setting.stored:  # type: ignore[union-attr]
            self.state.setText(
                self.tr("Set for this term; every allocation run of the term uses it.")
                + (" " + self.tr("Weight 0: fairness is off.") if not self.setting.weight else "")  # type: ignore[union-attr]
            )
        else:
            self.state.setText(self.tr("The borough's default: nothing set for this term yet."))

    def save(self) -> FairnessSetting | None:
        if self.setting is None or self.services.fairness is None:
            return None
        weight, shares = self.values()
        try:
            setting = self.services.fairness.set(
                self.term_id, weight=weight, shares=shares, expected_version=self.setting.version
            )
        except StaleEdit as exc:
            self.prompts.error(self, self.tr("Fairness policy"), str(exc))
            self.reload()
            return None
        except HubSchedError as exc:
            self.prompts.error(self, self.tr("Fairness policy"), str(exc))
            return None
        return self._adopt(setting)

    def _adopt(self, setting: FairnessSetting) -> FairnessSetting:
        """Show the setting as saved and tell whoever listens."""
        self.setting = setting
        self._show(setting)
        self.saved.emit(setting)
        return setting

    def use_default(self) -> FairnessSetting | None:
        if self.setting is None or self.services.fairness is None:
            return None
        try:
            setting = self.services.fairness.reset(self.term_id)
        except HubSchedError as exc:
            self.prompts.error(self, self.tr("Fairness policy"), str(exc))
            return None
        return self._adopt(setting)
