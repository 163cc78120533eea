"""The test session's own PostgreSQL server starts even when its chosen port is taken before it binds."""

from __future__ import annotations

import socket

import pytest
from sqlalchemy import create_engine, text

from tests.pg_server import TemporaryPostgres

pytestmark = pytest.mark.postgres


def test_a_server_whose_port_was_taken_meanwhile_starts_on_another() -> None:
    # What happened under load: the port chosen as free was taken (by another worker's outgoing
    # connection) before the server bound it, and every PostgreSQL test of that worker errored.
    server = TemporaryPostgres()
    chosen = server.port
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", chosen))
        squatter.listen()
        try:
            server.start()
            assert server.port != chosen
            engine = create_engine(server.url("postgres"))
            with engine.connect() as connection:
                assert connection.execute(text("SHOW port")).scalar_one() == str(server.port)
            engine.dispose()
            assert "Address already in use" in (server.folder / "server.log").read_text()
        finally:
            server.stop()
