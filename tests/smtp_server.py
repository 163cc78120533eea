"""A real SMTP server for tests (aiosmtpd on 127.0.0.1, login hubs / s3cret, no TLS) and an in-memory
keyring backend, so that no test touches the machine's own keyring."""

from __future__ import annotations

import socket
import threading

import keyring
import keyring.backend
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


class MemoryKeyring(keyring.backend.KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.passwords.pop((service, username), None)


@pytest.fixture
def memory_keyring():
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


class Recorder:
    """Keeps every message the server accepted; refuses recipients at `refuse`; runs `after_data` hooks."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.refuse: set[str] = set()
        self.after_data = None
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
            count = len(self.messages)
        if self.after_data is not None:
            self.after_data(count)
        return f"250 OK queued as {count}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    recorder = Recorder()

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = auth_data.login == b"hubs" and auth_data.password == b"s3cret"
        return AuthResult(success=ok, handled=False)  # unhandled: the server answers 535 itself

    controller = Controller(
        recorder,
        hostname="127.0.0.1",
        port=_free_port(),
        authenticator=authenticate,
        auth_require_tls=False,
    )
    controller.start()
    yield recorder, controller.port
    controller.stop()


def self_signed(folder) -> tuple[str, str]:
    """(certificate, key) PEM files for 127.0.0.1, valid for a day."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "smtp.crt", folder / "smtp.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return str(cert_path), str(key_path)


@pytest.fixture(params=["starttls", "ssl"])
def tls_server(request, tmp_path):
    """An SMTP server that requires STARTTLS before login, or speaks SSL from the start: (recorder, port,
    security, CA file)."""
    import ssl

    cert, key = self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    recorder = Recorder()

    def authenticate(server, session, envelope, mechanism, auth_data):
        return AuthResult(success=auth_data.login == b"hubs" and auth_data.password == b"s3cret", handled=False)

    options = (
        {"tls_context": context, "require_starttls": True}
        if request.param == "starttls"
        else {"ssl_context": context, "auth_require_tls": False}  # all of it is TLS: aiosmtpd cannot tell
    )
    controller = Controller(recorder, hostname="127.0.0.1", port=_free_port(), authenticator=authenticate, **options)
    controller.start()
    yield recorder, controller.port, request.param, cert
    controller.stop()
