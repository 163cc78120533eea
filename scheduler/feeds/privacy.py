"""What each kind of feed shows: which sessions it includes and under what title, text and location.

Owns: the privacy rules of the feeds, in one place so that they can be read and tested as rules.
- organisation feed (secret token address): every session of that organisation, full detail.
- hub and borough "what's on" feeds (public): public sessions under their public title; generic ones
  under a neutral title with no organisation; private ones never. A hide-location session never appears
  in a hub feed (being listed under a hub *is* its location) and carries no LOCATION or GEO elsewhere.
- room feeds (public, for caretakers and door displays): every session in the room, titled by
  visibility; private and hide-location sessions only as "Private booking", with no organisation and no
  location; never contact details.
Pure: no database, no Qt.
Must not import: models.entities, desktop_app, PySide6.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from models.types import Visibility
from scheduler.feeds.facts import Place, SeriesFacts, SessionFacts

NEUTRAL_TITLE = "Advice session"
PRIVATE_TITLE = "Private booking"


class FeedKind(enum.StrEnum):
    ORGANISATION = "organisation"
    HUB = "hub"
    ROOM = "room"
    BOROUGH = "borough"


PUBLIC_KINDS = frozenset({FeedKind.HUB, FeedKind.ROOM, FeedKind.BOROUGH})


@dataclass(frozen=True)
class FeedSpec:
    """One feed: its kind, display name, description, path below the publish folder, and its subject."""

    kind: FeedKind
    name: str
    description: str
    path: str  # relative, '/'-separated, e.g. "hubs/ilford-civic-hub.ics"
    subject_id: int | None = None  # organisation, hub or room id; None for the borough


@dataclass(frozen=True)
class Shown:
    """How one session appears in one feed. `place` None means no LOCATION and no GEO."""

    summary: str
    description: str
    place: Place | None
    confidential: bool  # CLASS:PRIVATE rather than CLASS:PUBLIC


def includes(spec: FeedSpec, series: SeriesFacts, session: SessionFacts, place: Place) -> bool:
    """Whether the (live) session `session` of `series`, held in `place`, belongs in the feed."""
    if not session.live:
        return False
    if spec.kind is FeedKind.ORGANISATION:
        return series.organisation_id == spec.subject_id
    if spec.kind is FeedKind.ROOM:
        return place.room_id == spec.subject_id
    if series.visibility is Visibility.PRIVATE:
        return False
    if spec.kind is FeedKind.HUB:
        return not series.hide_location and place.hub_id == spec.subject_id
    return True  # borough-wide: public and generic sessions everywhere


def _public_title(series: SeriesFacts) -> str:
    return series.public_title or series.title


def shown(spec: FeedSpec, series: SeriesFacts, place: Place) -> Shown:
    """The title, description and location a session of `series` held in `place` has in this feed."""
    if spec.kind is FeedKind.ORGANISATION:
        confidential = series.visibility is Visibility.PRIVATE
        return Shown(_title_in_own_feed(series), _full_description(series, place), place, confidential)
    hidden_place = None if series.hide_location else place
    if spec.kind is FeedKind.ROOM and (series.visibility is Visibility.PRIVATE or series.hide_location):
        return Shown(PRIVATE_TITLE, "", None, True)
    if series.visibility is Visibility.PRIVATE:  # excluded by `includes`; kept safe if called anyway
        return Shown(PRIVATE_TITLE, "", None, True)
    if series.visibility is Visibility.GENERIC:
        return Shown(series.public_title or NEUTRAL_TITLE, "", hidden_place, False)
    return Shown(_public_title(series), f"Run by {series.organisation}.", hidden_place, False)


def _title_in_own_feed(series: SeriesFacts) -> str:
    return series.title


def _full_description(series: SeriesFacts, place: Place) -> str:
    if series.visibility is Visibility.PRIVATE:
        public = "not shown in public feeds (private)"
    elif series.visibility is Visibility.GENERIC:
        public = f"shown in public feeds as “{series.public_title or NEUTRAL_TITLE}”"
    else:
        public = f"shown in public feeds as “{_public_title(series)}”"
    lines = [
        f"{series.title} — {series.organisation}",
        f"Where: {place.location}",
        f"Expected attendance: {series.attendance}",
        f"Visibility: {public}" + ("; location hidden in public feeds" if series.hide_location else ""),
    ]
    if series.teams:
        lines.append("Staff: " + ", ".join(series.teams))
    if series.contact:
        lines.append(f"Contact: {series.contact}")
    return "\n".join(lines)
