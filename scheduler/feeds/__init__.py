"""Calendar feeds: iCalendar (RFC 5545 / RFC 7986) feeds of the borough's sessions, published and served.

Owns: which sessions each feed shows and how (privacy.py), turning stored occurrences into RRULE, EXDATE
and RECURRENCE-ID (encode.py), writing the feeds (ical.py), feed tokens and building every feed
(service.py), publishing to a folder (publish.py), serving that folder over HTTP (server.py), importing
an .ics as bookings (importer.py) and the `hubsched feeds` commands (commands.py).
Must not import: desktop_app, PySide6, scheduler.allocation.
"""
