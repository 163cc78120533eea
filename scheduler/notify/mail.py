"""E-mail messages for notices, SMTP delivery, .eml files and mailto: links.

Owns: `Letter` (recipients, subject, body, sender) -> `email.message.EmailMessage`; `SmtpSettings` and
`SmtpTransport` (one connection per batch; STARTTLS, SSL or none; login when a user is set; the password
read from the system keyring); `save_eml`; `mailto_url`.
Must not import: models, scheduler.services, desktop_app, PySide6.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from urllib.parse import quote

from scheduler.errors import HubSchedError, InvalidInput

KEYRING_SERVICE = "hubsched-smtp"
SECURITY = ("starttls", "ssl", "none")


class DeliveryFailed(HubSchedError):
    """The mail server refused or could not be reached; the message says why."""


@dataclass(frozen=True)
class Letter:
    recipients: tuple[str, ...]
    subject: str
    body: str
    message_id: str = ""

    def message(self, sender: str) -> EmailMessage:
        message = EmailMessage()
        message["From"] = sender
        message["To"] = ", ".join(self.recipients)
        message["Subject"] = self.subject
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = self.message_id or make_msgid(domain="hubsched.local")
        message.set_content(self.body)
        return message


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    sender: str
    security: str = "starttls"  # starttls, ssl or none
    username: str = ""
    timeout: float = 20.0
    cafile: str = ""  # a private certificate authority to trust besides the system's (empty: system only)

    def check(self) -> None:
        if not self.host.strip():
            raise InvalidInput("no mail server is set: give its host name in the outbox settings")
        if not 0 < self.port < 65536:
            raise InvalidInput(f"port {self.port} is not a port number")
        if "@" not in self.sender:
            raise InvalidInput(f"the sender {self.sender!r} is not an e-mail address")
        if self.security not in SECURITY:
            raise InvalidInput(f"security must be one of {', '.join(SECURITY)}")

    @property
    def keyring_user(self) -> str:
        return f"{self.username}@{self.host}"


def store_password(settings: SmtpSettings, password: str) -> None:
    """Keep the SMTP password in the system keyring (the only place it is ever stored)."""
    import keyring

    keyring.set_password(KEYRING_SERVICE, settings.keyring_user, password)


def load_password(settings: SmtpSettings) -> str | None:
    import keyring

    return keyring.get_password(KEYRING_SERVICE, settings.keyring_user)


class SmtpTransport:
    """One SMTP connection for a batch: `send` returns the server's reply to the message."""

    def __init__(self, settings: SmtpSettings, password: str | None = None):
        settings.check()
        self._settings = settings
        self._password = password
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpTransport:
        s = self._settings
        smtp: smtplib.SMTP | None = None
        try:
            if s.security == "ssl":
                smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=self._tls())
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
                if s.security == "starttls":
                    smtp.starttls(context=self._tls())
            if s.username:
                password = self._password if self._password is not None else load_password(s)
                if password is None:
                    smtp.close()
                    raise DeliveryFailed(f"no password for {s.username} on {s.host} in the system keyring")
                smtp.login(s.username, password)
        except (OSError, smtplib.SMTPException) as exc:
            if smtp is not None:
                smtp.close()  # a refused login leaves the connection open otherwise
            raise DeliveryFailed(f"cannot use the mail server {s.host}:{s.port}: {exc}") from None
        self._smtp = smtp
        return self

    def _tls(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        if self._settings.cafile:
            context.load_verify_locations(cafile=self._settings.cafile)
        return context

    def __exit__(self, *_exc) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                self._smtp.close()
            self._smtp = None

    def send(self, letter: Letter) -> str:
        """Send one message; the server's reply to its data, e.g. '250 OK queued as 1234'."""
        assert self._smtp is not None, "use the transport as a context manager"
        if not letter.recipients:
            raise DeliveryFailed("no recipients: the organisation has no contact who receives notices")
        message = letter.message(self._settings.sender)
        smtp = self._smtp
        try:
            smtp.ehlo_or_helo_if_needed()
            code, reply = smtp.mail(self._settings.sender)
            if code != 250:
                raise DeliveryFailed(f"the server refused the sender: {code} {reply.decode(errors='replace')}")
            accepted = 0
            refused = []
            for address in letter.recipients:
                code, reply = smtp.rcpt(address)
                if code in (250, 251):
                    accepted += 1
                else:
                    refused.append(f"{address}: {code} {reply.decode(errors='replace')}")
            if not accepted:
                smtp.rset()
                raise DeliveryFailed("the server refused every recipient: " + "; ".join(refused))
            code, reply = smtp.data(message.as_bytes())
            if code != 250:
                raise DeliveryFailed(f"the server refused the message: {code} {reply.decode(errors='replace')}")
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryFailed(f"sending failed: {exc}") from None
        text = f"{code} {reply.decode(errors='replace')}"
        return text + (f" (refused: {'; '.join(refused)})" if refused else "")


def check_connection(settings: SmtpSettings, password: str | None = None) -> str:
    """Connect, secure and log in, then say so (the settings' Test button)."""
    with SmtpTransport(settings, password) as transport:
        smtp = transport._smtp
        assert smtp is not None
        code, reply = smtp.noop()
    return f"connected to {settings.host}:{settings.port} ({settings.security}); server says {code} {reply.decode()}"


def save_eml(letter: Letter, sender: str, path: Path) -> Path:
    path.write_bytes(letter.message(sender).as_bytes())
    return path


def mailto_url(letter: Letter) -> str:
    """A mailto: link that opens the default mail client with the message filled in."""
    to = ",".join(quote(a, safe="@") for a in letter.recipients)
    return f"mailto:{to}?subject={quote(letter.subject)}&body={quote(letter.body)}"
