"""FairnessService: each term's fairness policy for its allocation (sector target shares and weight).

Owns: reading, setting and resetting a term's stored policy (table `term_fairness`; no row means the
borough's default, `scheduler.allocation.Policy()`), the validation every entry point shares (each share
0..1, together at most 100%, weight 0..10), the audit entry of a change, and `term_policy`, the allocation
policy a run of that term uses unless a run is given its own.
Must not import: desktop_app, PySide6.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from models.entities import Term, TermFairness
from scheduler import allocation as alloc
from scheduler.errors import InvalidInput, NotFound, StaleEdit
from scheduler.services.common import audit, now_utc

SECTORS = alloc.SECTORS  # council, partner, resident: the order shares are shown in everywhere
MAX_WEIGHT = 10.0
_DEFAULT = alloc.Policy()


def check_policy(weight: float, shares: Mapping[str, float]) -> None:
    """Refuse a policy no allocation can use, with one sentence naming what is wrong."""
    if not (isinstance(weight, int | float) and math.isfinite(weight)) or not 0 <= weight <= MAX_WEIGHT:
        raise InvalidInput(f"the fairness weight must be between 0 and {MAX_WEIGHT:g}, got {weight}")
    for sector, share in shares.items():
        if sector not in SECTORS:
            raise InvalidInput(f"unknown sector {sector!r}; sectors: {', '.join(SECTORS)}")
        if not (isinstance(share, int | float) and math.isfinite(share)) or not 0 <= share <= 1:
            raise InvalidInput(f"a sector's target share must be between 0% and 100%; {sector} has {share:g}")
    total = sum(shares.values())
    if total > 1 + 1e-6:
        listed = ", ".join(f"{s} {v:.0%}" for s, v in shares.items())
        raise InvalidInput(f"the sector target shares add up to {total:.0%} ({listed}); at most 100% is possible")


@dataclass(frozen=True)
class FairnessSetting:
    """A term's fairness policy as stored (or the borough's default when nothing is stored).

    ``shares`` holds every sector, in SECTORS order, as a fraction 0..1.
    """

    term_id: int
    term_name: str
    weight: float
    shares: tuple[tuple[str, float], ...]
    stored: bool  # False: nothing set for this term, so the borough's default applies
    version: int = 0  # the stored row's version (0 when nothing is stored); pass back to `set` to detect edits

    @property
    def source(self) -> str:
        return "term" if self.stored else "default"

    def share(self, sector: str) -> float:
        return dict(self.shares).get(sector, 0.0)

    def policy(self, base: alloc.Policy | None = None) -> alloc.Policy:
        """The allocation policy with this term's fairness settings (everything else from `base`)."""
        return replace(base or alloc.Policy(), fairness_weight=self.weight, sector_targets=dict(self.shares))

    def describe(self) -> str:
        """'weight 0.25; council 30%, partner 30%, resident 40%' or 'off'."""
        if not self.weight:
            return "off (weight 0)"
        return f"weight {self.weight:g}; " + ", ".join(f"{s} {v:.0%}" for s, v in self.shares)

    def as_json(self) -> dict[str, Any]:
        return {
            "term": self.term_name,
            "weight": self.weight,
            "sector_targets": dict(self.shares),
            "source": self.source,
            "version": self.version,
        }


def default_shares() -> tuple[tuple[str, float], ...]:
    targets = _DEFAULT.sector_targets
    return tuple((s, float(targets.get(s, 0.0))) for s in SECTORS)


def _setting(term: Term, row: TermFairness | None) -> FairnessSetting:
    if row is None:
        return FairnessSetting(term.id, term.name, _DEFAULT.fairness_weight, default_shares(), stored=False)
    shares = (("council", row.council_share), ("partner", row.partner_share), ("resident", row.resident_share))
    return FairnessSetting(term.id, term.name, row.weight, shares, stored=True, version=row.version)


def stored_setting(session: Session, term_id: int) -> FairnessSetting:
    term = session.get(Term, term_id)
    if term is None:
        raise NotFound(f"no term with id {term_id}")
    return _setting(term, session.get(TermFairness, term_id))


def term_policy(session: Session, term_id: int, base: alloc.Policy | None = None) -> alloc.Policy:
    """The policy an allocation of this term uses by default: its stored fairness setting."""
    return stored_setting(session, term_id).policy(base)


class FairnessService:
    """Use cases of the per-term fairness policy. One instance per operator (whose name is audited)."""

    def __init__(self, sessions: sessionmaker[Session], operator: str, clock: Callable[[], datetime] = now_utc):
        self._sessions = sessions
        self._operator = operator
        self._clock = clock

    def setting(self, term_id: int) -> FairnessSetting:
        with self._sessions() as session:
            return stored_setting(session, term_id)

    def set(
        self,
        term_id: int,
        *,
        weight: float | None = None,
        shares: Mapping[str, float] | None = None,
        expected_version: int | None = None,
    ) -> FairnessSetting:
        """Store the term's policy. What is not given keeps its current value (stored or default).

        `expected_version`: the version the caller showed (FairnessSetting.version); a different stored
        version means someone else changed it meanwhile, and nothing is written (StaleEdit).
        """
        with self._sessions.begin() as session:
            term = session.get(Term, term_id)
            if term is None:
                raise NotFound(f"no term with id {term_id}")
            row = session.get(TermFairness, term_id)
            before = _setting(term, row)
            if expected_version is not None and expected_version != before.version:
                raise StaleEdit(f"the fairness policy of {term.name} was changed meanwhile; look at it again")
            new_weight = before.weight if weight is None else float(weight)
            new_shares = dict(before.shares) | {s: float(v) for s, v in (shares or {}).items()}
            check_policy(new_weight, new_shares)
            if row is None:
                row = TermFairness(term_id=term.id)
                session.add(row)
            row.weight = new_weight
            row.council_share = new_shares["council"]
            row.partner_share = new_shares["partner"]
            row.resident_share = new_shares["resident"]
            row.updated_at = self._clock()
            session.flush()
            after = _setting(term, row)
            audit(
                session,
                self._operator,
                "set-fairness",
                "term",
                term.id,
                f"{term.name}: fairness policy {after.describe()}",
                before=before.as_json(),
                after=after.as_json(),
                at=self._clock(),
            )
            return after

    def reset(self, term_id: int) -> FairnessSetting:
        """Forget the term's own policy: its allocation uses the borough's default again."""
        with self._sessions.begin() as session:
            term = session.get(Term, term_id)
            if term is None:
                raise NotFound(f"no term with id {term_id}")
            row = session.get(TermFairness, term_id)
            if row is not None:
                before = _setting(term, row)
                session.delete(row)
                session.flush()
                audit(
                    session,
                    self._operator,
                    "reset-fairness",
                    "term",
                    term.id,
                    f"{term.name}: fairness policy back to the default",
                    before=before.as_json(),
                    after=None,
                    at=self._clock(),
                )
            return _setting(term, None)
