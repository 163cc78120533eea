"""OutboxService: notices to organisations about changes to their sessions, reviewed, then sent once.

Owns: writing one notice per organisation per change — a closure that moves or cancels sessions, a move, a
cancellation, an accepted allocation (new, moved, unchanged and unmet requests), a reissued feed link — in
plain words with dates, old and new place and time, the reason and the organisation's feed link; the
recipients (the organisation's contacts flagged "receives notices"; an organisation with no contacts
listed falls back to its one contact address); reviewing, editing, discarding and retrying; and sending
each queued notice at most once: a sender first claims a notice in its own transaction (queued ->
sending), then sends, then records the server's reply (sent) or the reason (failed). A notice left in
"sending" by a sender that stopped is never sent again on its own; the manager may retry it.

Privacy: a notice names only the receiving organisation's own sessions; nothing about another
organisation's bookings (not even re-homing reasons, which can name them) goes into it.
Must not import: desktop_app, PySide6.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from models.entities import (
    Closure,
    ClosureSession,
    Contact,
    Notice,
    Occurrence,
    Organisation,
    Room,
)
from models.types import ClosureScope, OccurrenceStatus
from scheduler.errors import InvalidInput, NotFound
from scheduler.notify.mail import DeliveryFailed, Letter, mailto_url, save_eml
from scheduler.recurrence import to_local
from scheduler.services.common import now_utc

QUEUED, SENDING, SENT, FAILED, DISCARDED = "queued", "sending", "sent", "failed", "discarded"
SIGN_OFF = "The hub team\nLondon Borough of Redbridge community hubs"


@dataclass(frozen=True)
class NoticeRow:
    id: int
    organisation: str
    kind: str
    created_at: datetime
    recipients: tuple[str, ...]
    subject: str
    body: str
    state: str
    server_reply: str
    failure: str
    attempts: int

    @property
    def letter(self) -> Letter:
        return Letter(self.recipients, self.subject, self.body, message_id=f"<notice-{self.id}@hubsched.local>")

    @property
    def state_text(self) -> str:
        if self.state == SENT:
            return f"sent ({self.server_reply})"
        if self.state == FAILED:
            return f"failed: {self.failure}"
        if self.state == SENDING:
            return "interrupted while sending: it may have been delivered (retry only if it was not)"
        return self.state


@dataclass(frozen=True)
class Moved:
    """One session of the organisation as it was, and where it is now (None: cancelled)."""

    occurrence_id: int
    was_room_id: int
    was_start_utc: datetime
    was_end_utc: datetime


def _when(start: datetime, end: datetime) -> str:
    start, end = to_local(start), to_local(end)
    return f"{start:%a} {start.day} {start:%b %Y} {start:%H:%M}–{end:%H:%M}"


def _place(room: Room) -> str:
    hub = room.hub
    address = ", ".join(x for x in (hub.address, hub.postcode) if x)
    return f"{room.name}, {hub.name}" + (f" ({address})" if address else "")


class OutboxService:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        clock: Callable[[], datetime] = now_utc,
        feed_link: Callable[[int], str | None] | None = None,
    ):
        self._sessions = sessions
        self._clock = clock
        self._feed_link = feed_link or (lambda _organisation_id: None)

    def use_feed_links(self, base_url: str) -> None:
        """Put each organisation's feed address (under `base_url`, as published) in its notices."""
        from scheduler.feeds.privacy import FeedKind
        from scheduler.feeds.service import FeedService, links_for

        feeds = FeedService(self._sessions, clock=self._clock)
        cache: dict[int, str | None] = {}

        def link(organisation_id: int) -> str | None:
            if not cache:
                for found in links_for(feeds.specs(), base_url):
                    if found.spec.kind == FeedKind.ORGANISATION and found.spec.subject_id is not None:
                        cache[found.spec.subject_id] = found.https
            return cache.get(organisation_id)

        self._feed_link = link

    # -- writing notices -----------------------------------------------------------------------------------

    @staticmethod
    def recipients(session: Session, organisation: Organisation) -> tuple[str, ...]:
        contacts = session.scalars(select(Contact).where(Contact.organisation_id == organisation.id)).all()
        if contacts:
            return tuple(c.email for c in contacts if c.receives_notices and c.email)
        return (organisation.contact,) if "@" in (organisation.contact or "") else ()

    def _queue(self, session: Session, organisation: Organisation, kind: str, subject: str, lines: list[str]) -> int:
        link = self._feed_link(organisation.id)
        body = f"Dear {organisation.name},\n\n" + "\n".join(lines)
        if link:
            body += f"\n\nYour calendar feed always shows your sessions as they are now:\n{link}"
        body += f"\n\n{SIGN_OFF}\n"
        notice = Notice(
            organisation_id=organisation.id,
            kind=kind,
            created_at=self._clock(),
            recipients=", ".join(self.recipients(session, organisation)),
            subject=subject,
            body=body,
            state=QUEUED,
            server_reply="",
            failure="",
            attempts=0,
        )
        session.add(notice)
        session.flush()
        return notice.id

    def _changes(self, session: Session, kind: str, subject: str, intro: str, changes: Iterable[Moved]) -> list[int]:
        by_org: defaultdict[int, list[str]] = defaultdict(list)
        orgs: dict[int, Organisation] = {}
        for change in sorted(changes, key=lambda c: c.was_start_utc):
            occurrence = session.get(Occurrence, change.occurrence_id)
            if occurrence is None:
                continue
            series = occurrence.series
            was_room = session.get(Room, change.was_room_id)
            assert was_room is not None
            was = f"{series.title}, {_when(change.was_start_utc, change.was_end_utc)} at {_place(was_room)}"
            if occurrence.status is OccurrenceStatus.CANCELLED:
                line = f"- {was}: cancelled."
            else:
                same_time = occurrence.start_utc == change.was_start_utc
                now_when = "same time" if same_time else _when(occurrence.start_utc, occurrence.end_utc)
                line = f"- {was}: now at {_place(occurrence.room)}, {now_when}."
            orgs[series.organisation_id] = series.organisation
            by_org[series.organisation_id].append(line)
        ids = []
        for organisation_id, lines in sorted(by_org.items()):
            ids.append(self._queue(session, orgs[organisation_id], kind, subject, [intro, "", *lines]))
        return ids

    def queue_closure(self, closure_id: int) -> list[int]:
        """One notice per organisation whose sessions the closure moved or cancelled."""
        self._feed_link(0)  # the feed links are read before this transaction writes
        with self._sessions.begin() as session:
            closure = session.get(Closure, closure_id)
            if closure is None:
                raise NotFound(f"no closure with id {closure_id}")
            if closure.scope is ClosureScope.ROOM and closure.room is not None:
                where = f"{closure.room.name} at {closure.room.hub.name} is"
            elif closure.scope is ClosureScope.HUB and closure.hub is not None:
                where = f"{closure.hub.name} is"
            else:
                where = "Every hub is"
            days = (
                f"on {closure.first_day:%a} {closure.first_day.day} {closure.first_day:%b %Y}"
                if closure.first_day == closure.last_day
                else f"from {closure.first_day:%a} {closure.first_day.day} {closure.first_day:%b} to "
                f"{closure.last_day:%a} {closure.last_day.day} {closure.last_day:%b %Y}"
            )
            hours = f", {closure.start_local:%H:%M}–{closure.end_local:%H:%M}" if closure.start_local else ""
            intro = f"{where} closed {days}{hours} ({closure.reason}). This changes your sessions:"
            name = closure.room.hub.name if closure.room is not None else closure.hub.name if closure.hub else "Hubs"
            effects = session.scalars(select(ClosureSession).where(ClosureSession.closure_id == closure_id))
            changes = [Moved(e.occurrence_id, e.was_room_id, e.was_start_utc, e.was_end_utc) for e in effects]
            return self._changes(session, "closure", f"{name} closure: changes to your sessions", intro, changes)

    def queue_move(self, changes: Sequence[Moved], reason: str = "") -> list[int]:
        """Sessions moved (or cancelled) one by one in the calendar: one notice per organisation."""
        because = f" ({reason})" if reason else ""
        self._feed_link(0)  # the feed links are read before this transaction writes
        with self._sessions.begin() as session:
            return self._changes(
                session, "move", "Changes to your sessions", f"We have changed some of your sessions{because}:", changes
            )

    def queue_cancellation(self, occurrence_ids: Sequence[int], reason: str = "") -> list[int]:
        self._feed_link(0)  # the feed links are read before this transaction writes
        with self._sessions.begin() as session:
            changes = [
                Moved(o.id, o.room_id, o.start_utc, o.end_utc)
                for o in (session.get(Occurrence, i) for i in occurrence_ids)
                if o is not None
            ]
            because = f" ({reason})" if reason else ""
            return self._changes(
                session, "cancellation", "Sessions cancelled", f"We have had to cancel sessions{because}:", changes
            )

    def queue_allocation(self, term_name: str, placements: Iterable, unmet: Iterable) -> list[int]:
        """After an accepted allocation: each organisation's new, moved, unchanged and unmet requests.

        `placements` and `unmet` are the preview's rows (PlacementRow, UnmetRow): only their own titles, rooms
        and times go into each organisation's notice, never the explanations (which name others' bookings).
        """
        words = {"new": "new", "unchanged": "unchanged", "room": "moved", "hub": "moved", "time": "moved"}
        lines: defaultdict[str, list[str]] = defaultdict(list)
        for p in sorted(placements, key=lambda p: (p.organisation, p.weekday, p.start)):
            kind = words.get(p.change, "unchanged")
            lines[p.organisation].append(f"- {p.title}: {p.when}–{p.end:%H:%M}, {p.room}, {p.hub} ({kind}).")
        for u in unmet:
            lines[u.organisation].append(
                f"- {u.title}: we could not find a room and time within what you asked for this term; "
                "the hub team will contact you about alternatives."
            )
        self._feed_link(0)  # the feed links are read before this transaction writes
        with self._sessions.begin() as session:
            ids = []
            for name, org_lines in sorted(lines.items()):
                organisation = session.scalar(select(Organisation).where(Organisation.name == name))
                if organisation is None:
                    continue
                intro = f"The rooms for {term_name} are now allocated. Your requests:"
                ids.append(
                    self._queue(
                        session, organisation, "allocation", f"{term_name}: your rooms", [intro, "", *org_lines]
                    )
                )
            return ids

    def queue_feed_link(self, organisation_id: int, link: str) -> int:
        """The organisation's calendar feed has a new address (the old one stopped working)."""
        self._feed_link(0)  # the feed links are read before this transaction writes
        with self._sessions.begin() as session:
            organisation = session.get(Organisation, organisation_id)
            if organisation is None:
                raise NotFound(f"no organisation with id {organisation_id}")
            lines = [
                "Your calendar feed has a new address; the old one no longer works. Please subscribe again:",
                "",
                link,
            ]
            return self._queue(session, organisation, "feed-link", "Your new calendar feed address", lines)

    # -- reviewing -----------------------------------------------------------------------------------------

    @staticmethod
    def _row(n: Notice) -> NoticeRow:
        recipients = tuple(a.strip() for a in n.recipients.split(",") if a.strip())
        return NoticeRow(
            n.id,
            n.organisation.name,
            n.kind,
            n.created_at,
            recipients,
            n.subject,
            n.body,
            n.state,
            n.server_reply,
            n.failure,
            n.attempts,
        )

    def list(self, states: Sequence[str] | None = None) -> list[NoticeRow]:
        with self._sessions() as session:
            query = select(Notice).order_by(Notice.id)
            if states:
                query = query.where(Notice.state.in_(states))
            return [self._row(n) for n in session.scalars(query)]

    def get(self, notice_id: int) -> NoticeRow:
        with self._sessions() as session:
            notice = session.get(Notice, notice_id)
            if notice is None:
                raise NotFound(f"no notice with id {notice_id}")
            return self._row(notice)

    def _editable(self, session: Session, notice_id: int) -> Notice:
        notice = session.get(Notice, notice_id)
        if notice is None:
            raise NotFound(f"no notice with id {notice_id}")
        if notice.state not in (QUEUED, FAILED):
            raise InvalidInput(f"notice {notice_id} is {notice.state}; only queued or failed notices can change")
        return notice

    def edit(self, notice_id: int, *, subject: str, body: str, recipients: Sequence[str]) -> NoticeRow:
        if not subject.strip() or not body.strip():
            raise InvalidInput("a notice needs a subject and a message")
        bad = [a for a in recipients if "@" not in a]
        if bad:
            raise InvalidInput(f"{bad[0]!r} is not an e-mail address")
        with self._sessions.begin() as session:
            notice = self._editable(session, notice_id)
            notice.subject, notice.body = subject.strip(), body
            notice.recipients = ", ".join(a.strip() for a in recipients)
            session.flush()
            return self._row(notice)

    def discard(self, notice_id: int) -> None:
        with self._sessions.begin() as session:
            self._editable(session, notice_id).state = DISCARDED

    def retry(self, notice_id: int) -> None:
        """Queue a failed (or interrupted) notice again."""
        with self._sessions.begin() as session:
            notice = session.get(Notice, notice_id)
            if notice is None:
                raise NotFound(f"no notice with id {notice_id}")
            if notice.state not in (FAILED, SENDING):
                raise InvalidInput(f"notice {notice_id} is {notice.state}; only failed or interrupted ones are retried")
            notice.state, notice.failure = QUEUED, ""

    # -- sending -------------------------------------------------------------------------------------------

    def _claim(self, ids: Sequence[int] | None) -> NoticeRow | None:
        """Take the next queued notice for this sender, in its own transaction; None when none is left."""
        while True:
            with self._sessions.begin() as session:
                query = select(Notice.id).where(Notice.state == QUEUED).order_by(Notice.id).limit(1)
                if ids is not None:
                    query = query.where(Notice.id.in_(ids))
                notice_id = session.scalar(query)
                if notice_id is None:
                    return None
                claimed = session.execute(
                    update(Notice)
                    .where(Notice.id == notice_id, Notice.state == QUEUED)
                    .values(state=SENDING, claimed_at=self._clock(), attempts=Notice.attempts + 1)
                    .execution_options(synchronize_session=False)
                )
                if claimed.rowcount == 1:
                    return self._row(session.get(Notice, notice_id))
            # another sender claimed it first: look again

    def _record(self, notice_id: int, *, reply: str = "", failure: str = "") -> None:
        with self._sessions.begin() as session:
            notice = session.get(Notice, notice_id)
            assert notice is not None
            if failure:
                notice.state, notice.failure = FAILED, failure
            else:
                notice.state, notice.server_reply, notice.sent_at = SENT, reply, self._clock()

    def send(self, transport, ids: Sequence[int] | None = None) -> list[NoticeRow]:
        """Send the queued notices (or those of `ids`) through an open transport; each at most once."""
        done = []
        while (row := self._claim(ids)) is not None:
            try:
                reply = transport.send(row.letter)
            except DeliveryFailed as exc:
                self._record(row.id, failure=str(exc))
            else:
                self._record(row.id, reply=reply)
            done.append(self.get(row.id))
        return done

    def export_eml(self, notice_id: int, folder: Path, sender: str) -> Path:
        row = self.get(notice_id)
        folder.mkdir(parents=True, exist_ok=True)
        return save_eml(row.letter, sender, folder / f"notice-{row.id}.eml")

    def mailto(self, notice_id: int) -> str:
        return mailto_url(self.get(notice_id).letter)
