"""SQLAlchemy 2.0 entities: the persistent domain of Hub Scheduler.

Owns: tables, columns, relationships and the constraints that can be declared portably. The room
no-overlap rule is enforced by database objects that differ per backend (a PostgreSQL exclusion
constraint, SQLite triggers); they live in the Alembic migrations, see models/migrations/versions.
Must not import: scheduler, desktop_app, PySide6.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Time,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from models.types import (
    ClosureScope,
    Frequency,
    OccurrenceStatus,
    Outcome,
    RequestStatus,
    Sector,
    SizeSource,
    UTCDateTime,
    Visibility,
    str_enum,
)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


room_facilities = Table(
    "room_facilities",
    Base.metadata,
    Column("room_id", ForeignKey("rooms.id", ondelete="CASCADE"), primary_key=True),
    Column("facility_id", ForeignKey("facilities.id", ondelete="RESTRICT"), primary_key=True),
)

request_facilities = Table(
    "request_facilities",
    Base.metadata,
    Column("request_id", ForeignKey("requests.id", ondelete="CASCADE"), primary_key=True),
    Column("facility_id", ForeignKey("facilities.id", ondelete="RESTRICT"), primary_key=True),
)

request_teams = Table(
    "request_teams",
    Base.metadata,
    Column("request_id", ForeignKey("requests.id", ondelete="CASCADE"), primary_key=True),
    Column("team_id", ForeignKey("teams.id", ondelete="RESTRICT"), primary_key=True),
)

team_organisations = Table(
    "team_organisations",
    Base.metadata,
    Column("team_id", ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
    Column("organisation_id", ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True),
)

series_teams = Table(
    "series_teams",
    Base.metadata,
    Column("series_id", ForeignKey("series.id", ondelete="CASCADE"), primary_key=True),
    Column("team_id", ForeignKey("teams.id", ondelete="RESTRICT"), primary_key=True),
)


class Facility(Base):
    """Something a room has and a request may need: kitchen, hearing loop, IT suite, private room..."""

    __tablename__ = "facilities"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(80))


class Hub(Base):
    __tablename__ = "hubs"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    area: Mapped[str] = mapped_column(String(120), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    postcode: Mapped[str] = mapped_column(String(12), default="")
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    retired: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    version: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))

    __mapper_args__ = {"version_id_col": version}

    rooms: Mapped[list[Room]] = relationship(back_populates="hub", order_by="Room.name")
    opening_hours: Mapped[list[OpeningHours]] = relationship(
        back_populates="hub",
        cascade="all, delete-orphan",
        order_by="(OpeningHours.weekday, OpeningHours.opens)",
    )
    exceptions: Mapped[list[OpeningException]] = relationship(
        back_populates="hub", cascade="all, delete-orphan", order_by="OpeningException.first_day"
    )


class OpeningHours(Base):
    """One open window of a hub on one weekday (0 = Monday); a day may have several windows."""

    __tablename__ = "opening_hours"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("opens < closes", name="opens_before_closes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hub_id: Mapped[int] = mapped_column(ForeignKey("hubs.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)
    opens: Mapped[time] = mapped_column(Time)
    closes: Mapped[time] = mapped_column(Time)

    hub: Mapped[Hub] = relationship(back_populates="opening_hours")


class OpeningException(Base):
    """Different hours over a date range (late opening, winter hours), or closed when no times are given.

    `weekday` limits the exception to one weekday in the range (every Thursday in December); None means
    every day of the range. The window replaces that day's usual windows.
    """

    __tablename__ = "opening_exceptions"
    __table_args__ = (
        CheckConstraint("first_day <= last_day", name="days_ordered"),
        CheckConstraint("weekday IS NULL OR weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint(
            "(opens IS NULL AND closes IS NULL) OR (opens IS NOT NULL AND closes IS NOT NULL AND opens < closes)",
            name="time_range",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hub_id: Mapped[int] = mapped_column(ForeignKey("hubs.id", ondelete="CASCADE"), index=True)
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    weekday: Mapped[int | None] = mapped_column(Integer)
    opens: Mapped[time | None] = mapped_column(Time)
    closes: Mapped[time | None] = mapped_column(Time)
    note: Mapped[str] = mapped_column(String(200), default="")

    hub: Mapped[Hub] = relationship(back_populates="exceptions")


class Room(Base):
    __tablename__ = "rooms"
    __table_args__ = (
        UniqueConstraint("hub_id", "name", name="uq_rooms_hub_name"),
        CheckConstraint("capacity > 0", name="capacity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hub_id: Mapped[int] = mapped_column(ForeignKey("hubs.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    capacity: Mapped[int] = mapped_column(Integer)
    step_free: Mapped[bool] = mapped_column(Boolean, default=True)
    bookable: Mapped[bool] = mapped_column(Boolean, default=True)
    # A retired room keeps its history but takes no new bookings and is left out of allocation.
    retired: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    version: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))

    __mapper_args__ = {"version_id_col": version}

    hub: Mapped[Hub] = relationship(back_populates="rooms")
    facilities: Mapped[list[Facility]] = relationship(secondary=room_facilities, order_by="Facility.key")


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160), unique=True)
    sector: Mapped[Sector] = mapped_column(str_enum(Sector, "sector"))
    contact: Mapped[str] = mapped_column(String(200), default="")
    notes: Mapped[str] = mapped_column(Text, default="", server_default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    default_priority: Mapped[int] = mapped_column(Integer, default=3, server_default=text("3"))
    # Set when this organisation was merged into another; it is then inactive and owns nothing.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))

    __mapper_args__ = {"version_id_col": version}

    contacts: Mapped[list[Contact]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan", order_by="Contact.id"
    )


class Contact(Base):
    """A person at an organisation the hub team may call. Never shown in any feed."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(120), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    # The outbox writes to the contacts flagged here (none flagged: the organisation's contact email).
    receives_notices: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    organisation: Mapped[Organisation] = relationship(back_populates="contacts")


class Team(Base):
    """A person or team shared between sessions (a DWP work coach): never in two places at once."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    retired: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    version: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))

    __mapper_args__ = {"version_id_col": version}

    organisations: Mapped[list[Organisation]] = relationship(secondary=team_organisations, order_by="Organisation.name")


class Term(Base):
    __tablename__ = "terms"
    __table_args__ = (CheckConstraint("first_day <= last_day", name="days_ordered"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    # Room fit in this term's allocation: the requested size, or last term's recorded attendance.
    size_source: Mapped[SizeSource] = mapped_column(
        str_enum(SizeSource, "size_source"), default=SizeSource.REQUESTED, server_default=SizeSource.REQUESTED.value
    )
    # The term this one follows: allocation keeps what it can of that term's placements (stability).
    follows_id: Mapped[int | None] = mapped_column(ForeignKey("terms.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))

    __mapper_args__ = {"version_id_col": version}

    breaks: Mapped[list[TermBreak]] = relationship(
        back_populates="term", cascade="all, delete-orphan", order_by="TermBreak.first_day"
    )
    follows: Mapped[Term | None] = relationship(remote_side="Term.id")


class TermFairness(Base):
    """A term's fairness policy for its allocation: each sector's target share of demand and the weight.

    No row for a term means the borough's default (scheduler.allocation.Policy: weight 0.25, council 30%,
    partner 30%, resident 40%). Shares are fractions 0..1 adding up to at most 1; a weight of 0 turns
    fairness off for the term.
    """

    __tablename__ = "term_fairness"
    __table_args__ = (
        CheckConstraint("weight >= 0", name="weight_not_negative"),
        CheckConstraint(
            "council_share >= 0 AND council_share <= 1 AND partner_share >= 0 AND partner_share <= 1 "
            "AND resident_share >= 0 AND resident_share <= 1",
            name="shares_in_range",
        ),
        CheckConstraint("council_share + partner_share + resident_share <= 1.000001", name="shares_at_most_all"),
    )

    term_id: Mapped[int] = mapped_column(ForeignKey("terms.id", ondelete="CASCADE"), primary_key=True)
    weight: Mapped[float] = mapped_column(Float)
    council_share: Mapped[float] = mapped_column(Float)
    partner_share: Mapped[float] = mapped_column(Float)
    resident_share: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))

    __mapper_args__ = {"version_id_col": version}


class TermBreak(Base):
    """A term-time break (half-term): sessions that skip breaks do not run on these days."""

    __tablename__ = "term_breaks"
    __table_args__ = (CheckConstraint("first_day <= last_day", name="days_ordered"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("terms.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80), default="Half-term")
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)

    term: Mapped[Term] = relationship(back_populates="breaks")


class Request(Base):
    """What an organisation asks for in a term: a regular slot with its windows and needs."""

    __tablename__ = "requests"
    __table_args__ = (
        CheckConstraint("attendance > 0", name="attendance_positive"),
        CheckConstraint("duration_min > 0", name="duration_positive"),
        CheckConstraint("priority BETWEEN 1 AND 5", name="priority_range"),
        CheckConstraint("nth IS NULL OR nth IN (-1, 1, 2, 3, 4)", name="nth_values"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("terms.id", ondelete="RESTRICT"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(String(160))
    public_title: Mapped[str] = mapped_column(String(160), default="")
    visibility: Mapped[Visibility] = mapped_column(str_enum(Visibility, "visibility"))
    hide_location: Mapped[bool] = mapped_column(Boolean, default=False)
    attendance: Mapped[int] = mapped_column(Integer)
    duration_min: Mapped[int] = mapped_column(Integer)
    frequency: Mapped[Frequency] = mapped_column(str_enum(Frequency, "frequency"))
    nth: Mapped[int | None] = mapped_column(Integer)
    step_free: Mapped[bool] = mapped_column(Boolean, default=False)
    priority: Mapped[int] = mapped_column(Integer, default=3)
    runs_in_breaks: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[RequestStatus] = mapped_column(
        str_enum(RequestStatus, "request_status"), default=RequestStatus.PENDING
    )
    status_reason: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    term: Mapped[Term] = relationship()
    organisation: Mapped[Organisation] = relationship()
    windows: Mapped[list[RequestWindow]] = relationship(
        back_populates="request",
        cascade="all, delete-orphan",
        order_by="(RequestWindow.weekday, RequestWindow.start)",
    )
    hubs: Mapped[list[RequestHub]] = relationship(back_populates="request", cascade="all, delete-orphan")
    facilities: Mapped[list[Facility]] = relationship(secondary=request_facilities, order_by="Facility.key")
    teams: Mapped[list[Team]] = relationship(secondary=request_teams, order_by="Team.name")


class RequestWindow(Base):
    """An allowed weekday and time window for a request."""

    __tablename__ = "request_windows"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint('start < "end"', name="start_before_end"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)
    start: Mapped[time] = mapped_column(Time)
    end: Mapped[time] = mapped_column(Time)

    request: Mapped[Request] = relationship(back_populates="windows")


class RequestHub(Base):
    """A hub a request accepts; `preferred` marks the ones it would rather have."""

    __tablename__ = "request_hubs"

    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), primary_key=True)
    hub_id: Mapped[int] = mapped_column(ForeignKey("hubs.id", ondelete="RESTRICT"), primary_key=True)
    preferred: Mapped[bool] = mapped_column(Boolean, default=False)

    request: Mapped[Request] = relationship(back_populates="hubs")
    hub: Mapped[Hub] = relationship()


class Series(Base):
    """A placed regular booking (from a request) or a manual one; a one-off is a series of one date."""

    __tablename__ = "series"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("duration_min > 0", name="duration_positive"),
        CheckConstraint("first_date <= last_date", name="dates_ordered"),
        CheckConstraint("nth IS NULL OR nth IN (-1, 1, 2, 3, 4)", name="nth_values"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(80), unique=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id", ondelete="RESTRICT"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id", ondelete="SET NULL"), index=True)
    term_id: Mapped[int | None] = mapped_column(ForeignKey("terms.id", ondelete="RESTRICT"), index=True)
    title: Mapped[str] = mapped_column(String(160))
    public_title: Mapped[str] = mapped_column(String(160), default="")
    visibility: Mapped[Visibility] = mapped_column(str_enum(Visibility, "visibility"))
    hide_location: Mapped[bool] = mapped_column(Boolean, default=False)
    attendance: Mapped[int] = mapped_column(Integer, default=1)
    weekday: Mapped[int] = mapped_column(Integer)
    start_local: Mapped[time] = mapped_column(Time)
    duration_min: Mapped[int] = mapped_column(Integer)
    frequency: Mapped[Frequency] = mapped_column(str_enum(Frequency, "frequency"))
    nth: Mapped[int | None] = mapped_column(Integer)
    first_date: Mapped[date] = mapped_column(Date)
    last_date: Mapped[date] = mapped_column(Date)
    runs_in_breaks: Mapped[bool] = mapped_column(Boolean, default=True)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    # iCalendar SEQUENCE: bumped when time, room or status change (not on a title edit).
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    room: Mapped[Room] = relationship()
    organisation: Mapped[Organisation] = relationship()
    request: Mapped[Request | None] = relationship()
    term: Mapped[Term | None] = relationship()
    teams: Mapped[list[Team]] = relationship(secondary=series_teams, order_by="Team.name")
    occurrences: Mapped[list[Occurrence]] = relationship(
        back_populates="series", cascade="all, delete-orphan", order_by="Occurrence.recurrence_local"
    )


class Occurrence(Base):
    """One dated session of a series.

    `start_utc`/`end_utc` are the instant; `recurrence_local` is the original Europe/London wall-clock
    start, the session's recurrence identity, kept when the session is moved.
    """

    __tablename__ = "occurrences"
    __table_args__ = (
        UniqueConstraint("series_id", "recurrence_local", name="uq_occurrences_series_recurrence"),
        CheckConstraint("start_utc < end_utc", name="start_before_end"),
        Index("ix_occurrences_room_start", "room_id", "start_utc"),
        Index("ix_occurrences_start", "start_utc"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"), index=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id", ondelete="RESTRICT"))
    start_utc: Mapped[datetime] = mapped_column(UTCDateTime())
    end_utc: Mapped[datetime] = mapped_column(UTCDateTime())
    recurrence_local: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    status: Mapped[OccurrenceStatus] = mapped_column(
        str_enum(OccurrenceStatus, "occurrence_status"), default=OccurrenceStatus.CONFIRMED
    )

    series: Mapped[Series] = relationship(back_populates="occurrences")
    room: Mapped[Room] = relationship()


class AttendanceRecord(Base):
    """What happened at one past session: whether it took place and how many came (a number, never names).

    `source` says where the figure came from: typed in ("entered"), a spreadsheet ("imported"), or the demo
    borough's invented history ("illustrative").
    """

    __tablename__ = "attendance_records"
    __table_args__ = (
        CheckConstraint("headcount IS NULL OR headcount >= 0", name="headcount_not_negative"),
        CheckConstraint("outcome = 'took_place' OR headcount IS NULL OR headcount = 0", name="headcount_if_held"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurrence_id: Mapped[int] = mapped_column(ForeignKey("occurrences.id", ondelete="CASCADE"), unique=True)
    outcome: Mapped[Outcome] = mapped_column(str_enum(Outcome, "outcome"))
    headcount: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[str] = mapped_column(String(16), default="entered")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_by: Mapped[str] = mapped_column(String(120))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    occurrence: Mapped[Occurrence] = relationship()


class Closure(Base):
    """A borough-wide, hub or room closure over a date range, optionally only between two times."""

    __tablename__ = "closures"
    __table_args__ = (
        CheckConstraint("first_day <= last_day", name="days_ordered"),
        CheckConstraint(
            "(scope = 'borough' AND hub_id IS NULL AND room_id IS NULL)"
            " OR (scope = 'hub' AND hub_id IS NOT NULL AND room_id IS NULL)"
            " OR (scope = 'room' AND room_id IS NOT NULL)",
            name="scope_target",
        ),
        CheckConstraint(
            "(start_local IS NULL AND end_local IS NULL)"
            " OR (start_local IS NOT NULL AND end_local IS NOT NULL AND start_local < end_local)",
            name="time_range",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[ClosureScope] = mapped_column(str_enum(ClosureScope, "closure_scope"))
    hub_id: Mapped[int | None] = mapped_column(ForeignKey("hubs.id", ondelete="CASCADE"), index=True)
    room_id: Mapped[int | None] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"), index=True)
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    start_local: Mapped[time | None] = mapped_column(Time)
    end_local: Mapped[time | None] = mapped_column(Time)
    reason: Mapped[str] = mapped_column(String(200), default="")

    hub: Mapped[Hub | None] = relationship()
    room: Mapped[Room | None] = relationship()


class AuditEntry(Base):
    """Who changed what, when, with the record before and after (JSON)."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_entity", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    operator: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    summary: Mapped[str] = mapped_column(Text, default="")
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)


class FeedToken(Base):
    """The secret part of an organisation's feed address (`org/<token>.ics`).

    At most one token per organisation is live (`revoked_at` NULL, enforced by a partial unique index);
    revoked tokens are kept so that an old address is known to be dead rather than merely unknown.
    """

    __tablename__ = "feed_tokens"
    __table_args__ = (
        Index(
            "ix_feed_tokens_one_live_per_organisation",
            "organisation_id",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organisation: Mapped[Organisation] = relationship()


class ClosureSession(Base):
    """What a closure did to one session it displaced: moved it (from where, when) or cancelled it.

    Kept so that the closure can be undone, edited or removed later (its cancelled sessions restored where
    they are still free).
    """

    __tablename__ = "closure_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    closure_id: Mapped[int] = mapped_column(ForeignKey("closures.id", ondelete="CASCADE"), index=True)
    occurrence_id: Mapped[int] = mapped_column(ForeignKey("occurrences.id", ondelete="CASCADE"), index=True)
    effect: Mapped[str] = mapped_column(String(12))  # "moved" or "cancelled"
    was_room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"))
    was_start_utc: Mapped[datetime] = mapped_column(UTCDateTime())
    was_end_utc: Mapped[datetime] = mapped_column(UTCDateTime())

    occurrence: Mapped[Occurrence] = relationship()


class Notice(Base):
    """One message to one organisation about one change, in the outbox until it is sent or discarded.

    `state`: queued, sending (claimed by a sender; if the app stopped there it may or may not have gone),
    sent (with the server's reply), failed (with the reason) or discarded.
    """

    __tablename__ = "notices"
    __table_args__ = (Index("ix_notices_state", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recipients: Mapped[str] = mapped_column(Text, default="")  # comma-separated addresses
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(12), default="queued")
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    server_reply: Mapped[str] = mapped_column(Text, default="")
    failure: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)

    organisation: Mapped[Organisation] = relationship()
