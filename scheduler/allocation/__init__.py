"""Term allocation for Hub Scheduler: a pure CP-SAT package over frozen dataclasses.

Dataclasses in (``problem``), dataclasses out (``result``); no database, no Qt, no I/O, and nothing of ours
outside this package. Typical use::

    result = solve(problem, time_limit=10, on_progress=report, stop=cancel_event)
    for unmet in result.unmet:
        print(unmet.message)
    answer = what_would_it_take(problem, result, request_id, time_limit=5)

Modules: ``problem`` (inputs), ``result`` (outputs), ``dates`` (meeting dates), ``candidates`` (static
filtering), ``model`` / ``runner`` / ``extract`` (the three solver stages), ``scoring`` (objective in
Python), ``engine`` (``solve``, the entry point: phases, the keep-in-place rule and the honest bound),
``explain`` and ``whatif`` (explanations, including why a request moved), ``greedy`` (first-come-first-served
and most-constrained-first baselines), ``check`` (independent checker of hard constraints).

Every result satisfies ``objective <= best_bound <= static_bound``; ``bound_source`` says which bound it is.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .check import check
from .dates import meeting_dates
from .greedy import greedy, most_constrained_first
from .problem import (
    SECTORS,
    WEEKDAY_NAMES,
    BusyTime,
    DayHours,
    ExistingPlacement,
    Frequency,
    Id,
    Policy,
    Problem,
    Request,
    Room,
    Term,
    Window,
)
from .result import (
    Blocker,
    BoundSource,
    Change,
    Phase,
    Placement,
    Progress,
    Requirement,
    Result,
    RoomRejection,
    SectorShare,
    Status,
    UnmetKind,
    UnmetRequest,
)
from .scoring import weighted_placed

if TYPE_CHECKING:
    from .engine import solve
    from .whatif import Move, WhatItTakes, what_would_it_take

# OR-Tools (and the pandas it pulls in) takes seconds to import, so the names that need the solver load on
# first use: the calendar, the CLI and every command that does not solve start without it.
_SOLVER_NAMES = {"solve": ".engine", "Move": ".whatif", "WhatItTakes": ".whatif", "what_would_it_take": ".whatif"}


def __getattr__(name: str) -> Any:
    module = _SOLVER_NAMES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module, __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "SECTORS",
    "WEEKDAY_NAMES",
    "Blocker",
    "BoundSource",
    "BusyTime",
    "Change",
    "DayHours",
    "ExistingPlacement",
    "Frequency",
    "Id",
    "Move",
    "Phase",
    "Placement",
    "Policy",
    "Problem",
    "Progress",
    "Request",
    "Requirement",
    "Result",
    "Room",
    "RoomRejection",
    "SectorShare",
    "Status",
    "Term",
    "UnmetKind",
    "UnmetRequest",
    "WhatItTakes",
    "Window",
    "check",
    "greedy",
    "meeting_dates",
    "most_constrained_first",
    "solve",
    "weighted_placed",
    "what_would_it_take",
]
