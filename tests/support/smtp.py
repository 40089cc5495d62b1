"""A real SMTP server for tests: aiosmtpd in a thread on 127.0.0.1, on a port the OS picks.

Mail goes through Django's SMTP backend and smtplib exactly as in production, so the tests see
what a real relay would: the envelope, the parsed message, the AUTH credentials. Failures are
simulated the way they happen: a port nobody listens on (refused), a listener that never
greets (timeout), wrong credentials, a rejected message, an untrusted TLS certificate.

Use the `smtp_server` fixture (import it into the test module), then set `.credentials` or
`.reject` on it to change its behaviour for one test.
"""

import datetime
import email
import email.policy
import socket
import ssl
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

HOST = "127.0.0.1"


@dataclass
class Received:
    """One message as the server accepted it."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    login: str | None  # the user the session authenticated as, if any

    def part(self, content_type: str) -> str:
        """The decoded body part of `content_type` ("text/plain", "text/html"), with \n line ends."""
        for part in self.message.walk():
            if part.get_content_type() == content_type and not part.is_multipart():
                return str(part.get_content()).replace("\r\n", "\n")  # type: ignore[attr-defined]
        raise LookupError(f"no {content_type} part in the message")


class _Controller(Controller):
    """Listens on port 0 (any free port): reads the real port back before aiosmtpd connects to itself."""

    def _trigger_server(self) -> None:
        assert self.server is not None
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class SMTPServer:
    """The aiosmtpd handler and authenticator, and what they saw."""

    def __init__(self, tls_context: ssl.SSLContext | None = None) -> None:
        self.credentials: tuple[str, str] | None = None  # when set, AUTH is needed and must match
        self.reject: str | None = None  # an SMTP reply such as "554 5.7.1 Message refused"
        self.messages: list[Received] = []
        self.auth_attempts: list[tuple[str, str]] = []  # (login, password) of every AUTH
        # auth_require_tls=False: AUTH is offered on the plain test connection. Not auth_required:
        # that warns (an error under pytest); handle_MAIL refuses unauthenticated senders instead.
        self._controller = _Controller(self, hostname=HOST, port=0, authenticator=self._authenticate,
                                       auth_require_tls=False, tls_context=tls_context,
                                       server_hostname="smtp.test")

    @property
    def port(self) -> int:
        return int(self._controller.port)

    def start(self) -> "SMTPServer":
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def _authenticate(self, server: SMTP, session: Session, envelope: Envelope, mechanism: str,
                      auth_data: Any) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login, password = auth_data.login.decode(), auth_data.password.decode()
        self.auth_attempts.append((login, password))
        return AuthResult(success=self.credentials == (login, password), handled=False, auth_data=auth_data)

    async def handle_MAIL(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          mail_options: list[str]) -> str:
        if self.credentials is not None and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.reject:
            return self.reject
        assert isinstance(envelope.content, bytes)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
        self.messages.append(Received(str(envelope.mail_from), list(envelope.rcpt_tos), message, login))
        return "250 Message accepted for delivery"


@contextmanager
def running(tls_context: ssl.SSLContext | None = None) -> Iterator[SMTPServer]:
    server = SMTPServer(tls_context).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def smtp_server() -> Iterator[SMTPServer]:
    with running() as server:
        yield server


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on, so connecting is refused."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@contextmanager
def silent_server() -> Iterator[int]:
    """A port that accepts connections (the kernel's backlog) but never sends a greeting."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        sock.listen(8)
        yield int(sock.getsockname()[1])


def self_signed_context() -> ssl.SSLContext:
    """A server TLS context with a fresh self-signed certificate, which clients must not trust."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "smtp.test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("smtp.test")]), critical=False)
            .sign(key, hashes.SHA256()))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    with tempfile.TemporaryDirectory() as tmp:
        cert_file, key_file = Path(tmp, "cert.pem"), Path(tmp, "key.pem")
        cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
        context.load_cert_chain(cert_file, key_file)
    return context
