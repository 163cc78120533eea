"""FeedService: the borough's feeds (which exist, at what path, with what content) and the feed tokens.

Owns: the list of feeds (one per organisation at `org/<token>.ics`, one per hub, one per room, one
borough-wide), issuing, revoking and reissuing organisation tokens, and building every feed's bytes from
one read of the database. Writing files and serving them are publish.py's and server.py's.
Must not import: desktop_app, PySide6.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from models.entities import FeedToken, Organisation
from scheduler.errors import InvalidInput, NotFound
from scheduler.feeds.encode import encode
from scheduler.feeds.facts import BoroughFacts, load_borough
from scheduler.feeds.ical import EncodedSeries, write_feed
from scheduler.feeds.privacy import FeedKind, FeedSpec, includes
from scheduler.services.common import now_utc

BOROUGH_PATH = "borough/whats-on.ics"
BOROUGH_NAME = "Redbridge community hubs — what's on"


def slug(text: str) -> str:
    """'Ilford Civic Hub' -> 'ilford-civic-hub' (ASCII letters, digits and hyphens)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "unnamed"


def new_token() -> str:
    """An unguessable URL-safe token (192 bits)."""
    return secrets.token_urlsafe(24)


@dataclass(frozen=True)
class Feed:
    spec: FeedSpec
    content: bytes
    series_uids: frozenset[str]  # the series this feed shows something of


@dataclass(frozen=True)
class FeedLink:
    spec: FeedSpec
    https: str
    webcal: str


def feed_specs(facts: BoroughFacts, tokens: dict[int, str]) -> list[FeedSpec]:
    """Every feed of the borough, in a stable order. Organisations without a token have no feed."""
    specs = [
        FeedSpec(
            FeedKind.BOROUGH,
            BOROUGH_NAME,
            "Public sessions at every Redbridge community hub. Confidential sessions are not listed.",
            BOROUGH_PATH,
        )
    ]
    used: set[str] = set()

    def unique(path: str, fallback: str) -> str:
        chosen = path if path not in used else fallback
        used.add(chosen)
        return chosen

    for hub_id, hub in facts.hubs:
        path = unique(f"hubs/{slug(hub)}.ics", f"hubs/{slug(hub)}-{hub_id}.ics")
        specs.append(
            FeedSpec(
                FeedKind.HUB,
                f"{hub} — what's on",
                f"Public sessions at {hub}. Confidential sessions are not listed.",
                path,
                hub_id,
            )
        )
    hub_names = dict(facts.hubs)
    for place in sorted(facts.places.values(), key=lambda p: (hub_names.get(p.hub_id, ""), p.room, p.room_id)):
        base = f"rooms/{slug(place.hub)}/{slug(place.room)}"
        specs.append(
            FeedSpec(
                FeedKind.ROOM,
                f"{place.room}, {place.hub} — bookings",
                f"Every booking of {place.room} at {place.hub}, for staff and door displays. "
                "Confidential sessions show only as private bookings.",
                unique(f"{base}.ics", f"{base}-{place.room_id}.ics"),
                place.room_id,
            )
        )
    for organisation in facts.organisations:
        token = tokens.get(organisation.id)
        if token is None:
            continue
        specs.append(
            FeedSpec(
                FeedKind.ORGANISATION,
                f"{organisation.name} — our sessions",
                f"Every session of {organisation.name} at the Redbridge community hubs, with full detail. "
                "This address is private to your organisation: do not share it.",
                f"org/{token}.ics",
                organisation.id,
            )
        )
    return specs


def build_feed(spec: FeedSpec, facts: BoroughFacts) -> Feed:
    """One feed's bytes from the borough's facts."""
    items: list[EncodedSeries] = []
    for series in facts.series:
        included = [o for o in series.occurrences if includes(spec, series, o, facts.places[o.room_id])]
        encoding = encode(series, included)
        if encoding is not None:
            items.append(EncodedSeries(series, encoding))
    content = write_feed(spec, items, facts.places)
    return Feed(spec, content, frozenset(item.series.uid for item in items))


def parse_base_url(base_url: str) -> str:
    """'https://feeds.example.org/hubs' from a base URL as given; InvalidInput when it is not one."""
    try:
        parts = urlsplit(base_url.strip())
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        parts, port_ok = None, False
    if (
        parts is None
        or not port_ok
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.query
        or parts.fragment
        or any(c.isspace() or ord(c) < 0x20 for c in base_url.strip())
    ):
        raise InvalidInput(f"base URL {base_url!r} must look like https://feeds.example.org/hubs")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def links_for(specs: list[FeedSpec], base_url: str) -> list[FeedLink]:
    """Subscription links: the https (or http) address and the same address as webcal://."""
    base = parse_base_url(base_url)
    links = []
    for spec in specs:
        url = f"{base}/{spec.path}"
        links.append(FeedLink(spec, url, "webcal://" + url.split("://", 1)[1]))
    return links


class FeedService:
    """Feed tokens and feed contents. Tokens are issued on first need and kept until reissued."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        clock: Callable[[], datetime] = now_utc,
        token_factory: Callable[[], str] = new_token,
    ):
        self._sessions = sessions
        self._clock = clock
        self._new_token = token_factory

    def live_tokens(self) -> dict[int, str]:
        """Organisation id -> live token, for organisations that have one."""
        with self._sessions() as session:
            rows = session.execute(
                select(FeedToken.organisation_id, FeedToken.token).where(FeedToken.revoked_at.is_(None))
            )
            return {organisation_id: token for organisation_id, token in rows}

    def ensure_tokens(self) -> dict[int, str]:
        """Issue a token to every organisation that has none; returns every live token."""
        for attempt in range(2):
            try:
                with self._sessions.begin() as session:
                    live = set(session.scalars(select(FeedToken.organisation_id).where(FeedToken.revoked_at.is_(None))))
                    for organisation_id in session.scalars(select(Organisation.id)):
                        if organisation_id not in live:
                            session.add(
                                FeedToken(
                                    organisation_id=organisation_id, token=self._new_token(), created_at=self._clock()
                                )
                            )
                break
            except IntegrityError:  # another publisher issued one at the same moment: theirs stands
                if attempt:
                    raise
        return self.live_tokens()

    def reissue(self, organisation: str) -> str:
        """Revoke the organisation's token (its old address stops working) and issue a new one.

        When another manager reissues the same organisation's address at the same moment, theirs
        stands: the address they issued is returned, and the old one is revoked either way.
        """
        try:
            return self._reissue(organisation)
        except IntegrityError:
            with self._sessions() as session:
                found = session.scalar(
                    select(FeedToken.token)
                    .join(Organisation)
                    .where(func.lower(Organisation.name) == organisation.lower(), FeedToken.revoked_at.is_(None))
                )
            if found is None:
                raise
            return found

    def _reissue(self, organisation: str) -> str:
        with self._sessions.begin() as session:
            found = session.scalar(select(Organisation).where(func.lower(Organisation.name) == organisation.lower()))
            if found is None:
                names = ", ".join(session.scalars(select(Organisation.name).order_by(Organisation.name)))
                raise NotFound(f"unknown organisation {organisation!r}; known organisations: {names or 'none'}")
            now = self._clock()
            for token in session.scalars(
                select(FeedToken).where(FeedToken.organisation_id == found.id, FeedToken.revoked_at.is_(None))
            ):
                token.revoked_at = now
            session.flush()
            token = self._new_token()
            session.add(FeedToken(organisation_id=found.id, token=token, created_at=now))
            return token

    def facts(self, *, with_series: bool = True) -> BoroughFacts:
        """The borough as the feeds see it; without the series, enough to list the feeds."""
        with self._sessions() as session:
            return load_borough(session, with_series=with_series)

    def specs(self) -> list[FeedSpec]:
        return feed_specs(self.facts(with_series=False), self.ensure_tokens())

    def build_all(self) -> list[Feed]:
        """Every feed of the borough (issuing missing organisation tokens first)."""
        tokens = self.ensure_tokens()
        facts = self.facts()
        return [build_feed(spec, facts) for spec in feed_specs(facts, tokens)]

    def links(self, base_url: str) -> list[FeedLink]:
        parse_base_url(base_url)  # refuse a bad address before any token is issued
        return links_for(self.specs(), base_url)
