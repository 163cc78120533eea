"""What every `hubsched` command shares, and the shape of a command group that plugs into the CLI.

Owns: `CommandContext` (database URL, operator, engine and session factory, made once by the CLI's
composition root) and the `CommandGroup` protocol that feature packages (feeds, allocation) implement
so that their commands live beside their code rather than in one growing cli.py.
Must not import: desktop_app, PySide6.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from scheduler.errors import DatabaseUnavailable

if TYPE_CHECKING:  # the database library loads when a command runs, so `hubsched --help` answers at once
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

    from scheduler.backup import BackupPolicy
    from scheduler.bootstrap import Services


class CommandContext:
    """Engine and session factory for one run of the CLI."""

    # Writes a term report as PDF (report, path); given by the entry point, as it needs Qt (see launcher.py).
    pdf_renderer: Callable[[Any, Path], None] | None = None

    def __init__(self, url: str, operator: str, backups: BackupPolicy | None = None):
        from models import db
        from scheduler.backup import BackupPolicy
        from scheduler.database import Database

        self.url = url
        self.operator = operator
        self.backups = backups if backups is not None else BackupPolicy.from_environment()
        try:
            self.engine: Engine = db.make_engine(url)
        except db.DatabaseUrlError as exc:
            raise DatabaseUnavailable(str(exc)) from None
        self.sessions: sessionmaker[Session] = db.make_session_factory(self.engine)
        self.database = Database(url, self.engine, self.sessions, self.backups)
        self._services: Services | None = None

    @property
    def services(self) -> Services:
        """The scheduler services for this run, wired once (the CLI's composition root)."""
        if self._services is None:
            from scheduler.bootstrap import bootstrap

            self._services = bootstrap(self.sessions, self.operator)
        return self._services

    def ready(self) -> None:
        """Create or upgrade the schema (idempotent), so every command works on a new database.

        A database from a newer version is refused before anything is written; an older one is backed up
        before it is upgraded; the first command of the day makes the daily backup.
        """
        from models import db
        from scheduler.database import describe_database_error
        from scheduler.database import ready as ready_database

        try:
            ready_database(self.database)
        except db.SchemaError as exc:
            raise describe_database_error(exc, self.url) from None


class CommandGroup(Protocol):
    """A module with sub-commands. `register` adds them; `run` executes one of `NAMES`.

    `run` raises `HubSchedError` (or a subclass) for a user's mistake: the CLI prints it as one line and
    exits 2. It returns the exit status otherwise. The schema is ready before `run` is called.
    """

    NAMES: frozenset[str]

    def register(self, commands: argparse._SubParsersAction) -> None: ...  # pragma: no cover

    def run(self, args: argparse.Namespace, context: CommandContext) -> int: ...  # pragma: no cover
