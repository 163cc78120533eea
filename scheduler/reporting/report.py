"""The term report as sections of text and tables, with disclosure control — the one source the PDF, the
XLSX export and the dashboard's tables are all rendered from.

Disclosure control (on for the Programme Board's report, which may be published):
- private and generic sessions and requests are counted in every total but never named: named lists leave
  them out and say how many were left out;
- a count from 1 to 4 for an organisation or a small group (a row below sector level) is shown as "<5";
  zero is shown as 0, and borough and sector totals are shown in full.
Must not import: models, sqlalchemy, scheduler.services, desktop_app, PySide6.
"""

from __future__ import annotations

from dataclasses import dataclass

from scheduler.reporting import figures as fig
from scheduler.reporting.facts import LearningData

SMALL = 5
SECTOR_NAMES = {"council": "Council services", "partner": "Partners", "resident": "Resident-led groups"}

Cell = str | int | float


@dataclass(frozen=True)
class Table:
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    note: str = ""


@dataclass(frozen=True)
class Section:
    key: str  # also the XLSX sheet name
    title: str
    paragraphs: tuple[str, ...]
    tables: tuple[Table, ...]


@dataclass(frozen=True)
class TermReport:
    term: str
    scope: str
    disclosure: bool
    sections: tuple[Section, ...]
    heatmap: tuple[fig.HeatRow, ...]
    trend: tuple[fig.TrendRow, ...] = ()

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)


class Disclosure:
    """Formats counts and names for the reader: a board (on) or the hub team (off)."""

    def __init__(self, on: bool):
        self.on = on

    def count(self, n: int) -> Cell:
        """A count for an organisation or small group: "<5" for 1..4 when disclosure control is on."""
        return "<5" if self.on and 0 < n < SMALL else n

    def small(self, value: float) -> Cell:
        """A figure derived from few people (a median headcount): "<5" under 5 when control is on."""
        if self.on and 0 < value < SMALL:
            return "<5"
        return int(value) if float(value).is_integer() else round(value, 1)

    def named(self, visibility: str) -> bool:
        return not self.on or visibility == "public"

    def left_out(self, hidden: int, what: str) -> str:
        if not hidden:
            return ""
        shown = self.count(hidden)
        return f"{shown} private or generic {what} counted but not named."


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def _h(value: float) -> float:
    return round(value, 1)


def build_report(data: LearningData, *, disclosure: bool = True, scope: str = "All hubs, all sectors") -> TermReport:
    d = Disclosure(disclosure)
    term = data.term
    s = fig.summary(term)
    heat = fig.heatmap(term)
    sections = [
        _summary_section(data, s, heat, d),
        _heatmap_section(heat),
        _usage_section(data, d),
        _missing_section(data, d),
        _rightsizing_section(data, d),
        _review_section(data, d),
        _closures_section(data),
        _method_section(s, d),
    ]
    return TermReport(term.name, scope, disclosure, tuple(sections), heat, fig.sector_trend(data))


def _summary_section(data: LearningData, s: fig.Summary, heat: tuple[fig.HeatRow, ...], d: Disclosure) -> Section:
    trend = [r for r in fig.sector_trend(data) if r.term == data.term.name]
    paragraphs = [
        f"{s.sessions} sessions took {s.hours:.1f} hours of room time out of {s.open_hours:.1f} open room-hours: "
        f"utilisation {_pct(s.utilisation)}.",
        f"Attendance was recorded for {s.recorded} sessions ({_pct(s.recorded_share)}): {s.held} took place with "
        f"{s.attendance} attendances in all (mean {s.mean_attendance or 0:.1f} a session); late cancellations: "
        f"{s.late_cancel}; no-shows: {s.no_show}.",
        f"{s.unmet_requests} requests for the term could not be met.",
        *fig.heatmap_text(heat, limit=2),
    ]
    if s.illustrative:
        paragraphs.append(
            f"ILLUSTRATIVE DATA: {s.illustrative} attendance records are invented demo data, not real turnout."
        )
    rows = [
        ("Sessions", s.sessions),
        ("Hours booked", _h(s.hours)),
        ("Open room-hours", _h(s.open_hours)),
        ("Utilisation", _pct(s.utilisation)),
        ("Sessions with attendance recorded", s.recorded),
        ("Sessions held", s.held),
        ("Total attendance", s.attendance),
        ("Late cancellations", s.late_cancel),
        ("No-shows", s.no_show),
        ("Unmet requests", s.unmet_requests),
        ("Private or generic sessions (counted, not named)", s.not_named),
    ]
    sector_rows = tuple(
        (SECTOR_NAMES[r.sector], _h(r.hours), _pct(r.share), _pct(r.target), _pct(r.met_rate)) for r in trend
    )
    return Section(
        "Summary",
        f"Term report: {data.term.name}",
        tuple(paragraphs),
        (
            Table("The term in figures", ("Measure", "Value"), tuple(rows)),
            Table(
                "Sectors against their targets",
                ("Sector", "Hours", "Share of hours", "Target share", "Requests met"),
                sector_rows,
            ),
        ),
    )


def _heatmap_section(heat: tuple[fig.HeatRow, ...]) -> Section:
    columns = ("Hub", "Day", *(f"{h:02d}" for h in fig.HOURS), "Day total")
    rows = []
    for row in heat:
        open_total = sum(c.open_hours for c in row.cells)
        booked_total = sum(c.booked_hours for c in row.cells)
        rows.append(
            (
                row.hub,
                fig.WEEKDAY_NAMES[row.weekday],
                *("" if not c.open_hours else _pct(c.utilisation) for c in row.cells),
                _pct(booked_total / open_total if open_total else None),
            )
        )
    attendance_rows = tuple(
        (row.hub, fig.WEEKDAY_NAMES[row.weekday], *(c.attendance if c.held else "" for c in row.cells)) for row in heat
    )
    return Section(
        "Heatmap",
        "Utilisation by hub, weekday and hour",
        (
            "Each cell is the share of open room-time booked in that hour across the term. Closed hours are "
            "hatched and marked – in the picture and blank in the table. Darker shading means busier, and every "
            "cell carries its percentage.",
            *fig.heatmap_text(heat),
        ),
        (
            Table("Booked share of open room-time", columns, tuple(rows)),
            Table(
                "Attendance at sessions starting in each hour (held sessions)",
                ("Hub", "Day", *(f"{h:02d}" for h in fig.HOURS)),
                attendance_rows,
            ),
        ),
    )


def _usage_section(data: LearningData, d: Disclosure) -> Section:
    sectors = fig.usage(data.term, "sector")
    organisations = fig.usage(data.term, "organisation")
    trend = fig.sector_trend(data)
    return Section(
        "Who uses",
        "Who uses the hubs",
        (
            "Sessions, hours and attendance per sector and per organisation. The trend compares each sector's "
            "share of booked hours with its target share, term by term, and the share of its requests met.",
        ),
        (
            Table(
                "Per sector",
                ("Sector", "Sessions", "Hours", "Recorded", "Held", "Attendance", "Mean a session"),
                tuple(
                    (
                        SECTOR_NAMES[r.name],
                        r.sessions,
                        _h(r.hours),
                        r.recorded,
                        r.held,
                        r.attendance,
                        "–" if r.mean_attendance is None else round(r.mean_attendance, 1),
                    )
                    for r in sectors
                ),
            ),
            Table(
                "Sector shares against targets, by term",
                ("Term", "Sector", "Hours", "Share of hours", "Target share", "Requests met"),
                tuple(
                    (r.term, SECTOR_NAMES[r.sector], _h(r.hours), _pct(r.share), _pct(r.target), _pct(r.met_rate))
                    for r in trend
                ),
            ),
            Table(
                "Per organisation",
                ("Organisation", "Sector", "Sessions", "Hours", "Held", "Attendance"),
                tuple(
                    (
                        r.name,
                        SECTOR_NAMES[r.sector],
                        d.count(r.sessions),
                        _h(r.hours),
                        d.count(r.held),
                        d.count(r.attendance),
                    )
                    for r in organisations
                ),
                note="Counts from 1 to 4 are shown as <5." if d.on else "",
            ),
        ),
    )


def _missing_section(data: LearningData, d: Disclosure) -> Section:
    term = data.term
    tables = [
        Table(
            f"Unmet requests by {by}",
            (by.capitalize(), "Requests", "Hours"),
            tuple((r.group, d.count(r.requests), _h(r.hours)) for r in fig.unmet_by(term, by)),
        )
        for by in ("reason", "sector", "area")
    ]
    stopped = fig.stopped_coming(data)
    tables.append(
        Table(
            "Organisations that stopped coming",
            ("Organisation", "Sector", "Last term", "Sessions then", "Attendance then"),
            tuple(
                (r.organisation, SECTOR_NAMES[r.sector], r.last_term, d.count(r.sessions), d.count(r.attendance))
                for r in stopped
            ),
        )
    )
    falling = fig.falling_attendance(term)
    named = [r for r in falling if d.named(r.visibility)]
    tables.append(
        Table(
            "Series with falling attendance",
            ("Series", "Organisation", "Hub", "Held", "Earlier mean", "Later mean", "Change"),
            tuple(
                (
                    r.title,
                    r.organisation,
                    r.hub,
                    d.count(r.sessions),
                    round(r.first_mean, 1),
                    round(r.last_mean, 1),
                    _pct(r.change),
                )
                for r in named
            ),
            note=d.left_out(len(falling) - len(named), "series"),
        )
    )
    unmet = [r for r in term.requests if r.status == "unmet"]
    return Section(
        "Who is missing",
        "Who is missing",
        (
            f"{len(unmet)} requests ({sum(r.hours for r in unmet):.1f} hours) could not be met this term.",
            f"{len(stopped)} organisations that used the hubs last term have no session or request this term.",
            f"{len(falling)} series show falling attendance.",
        ),
        tuple(tables),
    )


def _rightsizing_section(data: LearningData, d: Disclosure) -> Section:
    rows = fig.right_sizing(data.term)
    named = [r for r in rows if d.named(r.visibility)]
    return Section(
        "Right-sizing",
        "Right-sizing",
        (
            f"{sum(r.verdict == 'room too big' for r in rows)} series used rooms far bigger than their turnout and "
            f"{sum(r.verdict == 'room too small' for r in rows)} outgrew their rooms.",
        ),
        (
            Table(
                "Sessions and their rooms",
                ("Series", "Hub", "Room", "Capacity", "Median", "Largest", "Verdict", "Better room"),
                tuple(
                    (
                        r.title,
                        r.hub,
                        r.room,
                        r.capacity,
                        d.small(r.median),
                        d.count(r.peak),
                        r.verdict,
                        f"{r.better_room} ({r.better_capacity})" if r.better_room else "none at this hub",
                    )
                    for r in named
                ),
                note=d.left_out(len(rows) - len(named), "series"),
            ),
        ),
    )


def _review_section(data: LearningData, d: Disclosure) -> Section:
    flags = fig.review_flags(data.term)
    named = [f for f in flags if d.named(f.visibility)]
    return Section(
        "For review",
        "Series to review before next term",
        (f"{len(flags)} series are flagged for review. Nothing is dropped automatically.",),
        (
            Table(
                "Flagged series",
                ("Series", "Organisation", "Hub", "Why"),
                tuple((f.title, f.organisation, f.hub, f.reason) for f in named),
                note=d.left_out(len(flags) - len(named), "series"),
            ),
        ),
    )


def _closures_section(data: LearningData) -> Section:
    closures = data.term.closures
    return Section(
        "Closures",
        "Closures and re-homing",
        (
            f"{len(closures)} closures this term; {sum(c.rehomed for c in closures)} sessions were re-homed and "
            f"{sum(c.cancelled for c in closures)} cancelled because of them (as recorded when each closure was "
            "added or changed; dates a series skipped because it was booked after the closure are not counted). "
            "Bank holidays are not listed.",
        ),
        (
            Table(
                "Closures",
                ("Where", "From", "To", "Reason", "Sessions re-homed", "Sessions cancelled"),
                tuple(
                    (c.where, c.first_day.isoformat(), c.last_day.isoformat(), c.reason, c.rehomed, c.cancelled)
                    for c in closures
                ),
            ),
        ),
    )


METHOD = (
    "Utilisation: booked hours over open hours. Open hours are every bookable room's opening hours on every "
    "day of the term that is not a bank holiday; booked hours are the live (not cancelled) sessions' length. "
    "Sessions moved by a closure count where they took place.",
    "Attendance is a headcount recorded per session by the hub team (never names). A session is held when it "
    "took place; late cancellations and no-shows are counted apart and have no headcount. Means are over held "
    "sessions with a recorded headcount.",
    "Met: a request is met when the allocation placed it. 'Requests met' is placed request hours over the "
    "hours of requests the allocation decided (placed or unmet); withdrawn and pending requests are left out. "
    "Sector shares are of booked hours, compared with the allocation's fair-share targets.",
    f"Falling attendance: at least {fig.FALLING_MIN_SESSIONS} held sessions, and the later half's mean at most "
    f"{fig.FALLING_RATIO:.0%} of the earlier half's and at least {fig.FALLING_MIN_DROP} people fewer.",
    f"Right-sizing: at least {fig.RIGHTSIZE_MIN_SESSIONS} held sessions; 'room too big' when the median is under "
    f"{fig.UNDERUSE_RATIO:.0%} of capacity and leaves at least {fig.UNDERUSE_MIN_SEATS} seats empty, 'room too "
    "small' when the median is above capacity. The better room is the smallest room at the same hub that "
    "holds the largest turnout; its availability is not checked.",
    f"Review flags: no recorded session held, or at least {fig.NOT_HELD_WEEKS} late cancellations or no-shows, "
    f"or at least {fig.LOW_WEEKS} held sessions with under {fig.LOW_SHARE:.0%} of the size the series was booked for.",
    "Organisations that stopped coming had sessions last term and have neither a session nor a request this term.",
)

DISCLOSURE_NOTE = (
    "Disclosure control: this report may be published. Private and generic sessions are counted in every total "
    "but never named; named lists leave them out and say how many were left out. Any count from 1 to 4 for an "
    "organisation or small group is shown as <5; zero is shown as 0; borough and sector totals are shown in full."
)


def _method_section(s: fig.Summary, d: Disclosure) -> Section:
    paragraphs = list(METHOD)
    paragraphs.append(DISCLOSURE_NOTE if d.on else "Disclosure control is off: for the hub team only, not to publish.")
    if s.illustrative:
        paragraphs.append(
            "Illustrative data: the demo borough's attendance history was invented by a seeded generator to show "
            "the report working; it describes no real sessions."
        )
    return Section("Method", "Method notes", tuple(paragraphs), ())
