"""One SMTP delivery with the portal's settings, and a plain-words reason when it fails.

The reasons are what admins read on the Settings page and in the e-mail log, so they name
the likely cause (refused, authentication, timeout, TLS) instead of showing a traceback.
Nothing here logs or returns the SMTP password.
"""

import smtplib
import socket
import ssl
from collections.abc import Iterator

from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.smtp import EmailBackend

from forecourt.portalconfig.models import PortalSettings

from .models import EmailLog

DEFAULT_TIMEOUT = 10  # seconds; a timeout of 0 would make the socket non-blocking, not patient


class DeliveryError(Exception):
    """A message could not be handed to the SMTP server; the text says why in plain words."""


def missing_setting(settings: PortalSettings) -> str | None:
    """Why nothing can be sent with these settings, or None. Retrying does not help with these."""
    if not settings.from_address:
        return "no From address is set"
    if not settings.smtp_host:
        return "no SMTP host is set"
    return None


def backend(settings: PortalSettings) -> EmailBackend:
    security = settings.smtp_security
    return EmailBackend(host=settings.smtp_host, port=settings.smtp_port, username=settings.smtp_username,
                        password=settings.smtp_password,
                        use_tls=security == PortalSettings.Security.STARTTLS,
                        use_ssl=security == PortalSettings.Security.TLS,
                        timeout=settings.smtp_timeout or DEFAULT_TIMEOUT, fail_silently=False)


def message(log: EmailLog, settings: PortalSettings) -> EmailMultiAlternatives:
    mail = EmailMultiAlternatives(subject=log.subject, body=log.body_text, from_email=settings.from_address,
                                  to=log.recipients(), headers={"Auto-Submitted": "auto-generated"})
    if log.body_html:
        mail.attach_alternative(log.body_html, "text/html")
    return mail


def deliver(log: EmailLog, settings: PortalSettings) -> None:
    """Send `log`'s message now; raise DeliveryError with a readable reason if the server won't take it."""
    connection = backend(settings)
    try:
        connection.send_messages([message(log, settings)])
    except Exception as exc:
        _abandon(connection)
        raise DeliveryError(describe(exc, settings)) from exc


def _abandon(connection: EmailBackend) -> None:
    """Drop a failed connection without a polite QUIT, which could wait out the timeout again.

    Django keeps a half-opened connection (connected, login failed) in `_partial_connection`
    until the next open(); closing its socket here keeps it from leaking.
    """
    for smtp in (getattr(connection, "_partial_connection", None), connection.connection):
        if smtp is not None:
            smtp.close()
    connection.connection = None
    connection._partial_connection = None  # type: ignore[attr-defined]


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _reply(code: int, text: bytes | str) -> str:
    """An SMTP reply on one line: `535 5.7.8 Authentication credentials invalid`."""
    words = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
    return f"{code} {' '.join(words.split())}"


def describe(exc: BaseException, settings: PortalSettings) -> str:  # noqa: PLR0911 - one sentence per kind of SMTP failure
    """A one-line reason for an SMTP failure, naming the server but never the password."""
    where = f"{settings.smtp_host}:{settings.smtp_port}"
    # smtplib turns a read timeout into SMTPServerDisconnected; the TimeoutError is its context.
    if any(isinstance(e, TimeoutError) for e in _chain(exc)):
        return f"timed out after {settings.smtp_timeout or DEFAULT_TIMEOUT} s talking to {where}"
    if isinstance(exc, ConnectionRefusedError):
        return f"connection refused by {where}"
    if isinstance(exc, socket.gaierror):
        return f"SMTP host not found: {settings.smtp_host}"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"authentication failed for user {settings.smtp_username!r} ({_reply(exc.smtp_code, exc.smtp_error)})"
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return f"the server does not support what the settings ask for: {exc}"
    if isinstance(exc, ssl.SSLError):
        detail = getattr(exc, "verify_message", None) or getattr(exc, "reason", None) or exc
        return f"TLS failed with {where}: {detail}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        refused = ", ".join(f"{address} ({_reply(*reply)})" for address, reply in exc.recipients.items())
        return f"recipients refused: {refused}"
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return f"From address {settings.from_address} refused ({_reply(exc.smtp_code, exc.smtp_error)})"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"the server refused the message ({_reply(exc.smtp_code, exc.smtp_error)})"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return f"{where} closed the connection unexpectedly"
    if isinstance(exc, OSError):
        return f"could not connect to {where}: {exc.strerror or exc}"
    return f"{type(exc).__name__}: {exc}"

