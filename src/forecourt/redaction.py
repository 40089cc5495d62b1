"""Taking secrets out of text that leaves the portal's control: log lines and error messages.

Why: log lines go to consoles, files and log collectors that far more people (and programs) read
than the database, and third-party loggers write whatever they are given. httpx, for one, logs
every request's URL at INFO, and a Tyk key addressed by its ID is in the URL (`/api/keys/<key>`).
So every handler of the root logger filters records through `redact()` (forecourt.logconfig.
RedactSecrets), and messages that end up in the database or on a page (a job's `last_error`, an
access request's provisioning error) are built without secrets in the first place.

Two nets, because neither alone catches everything:

- shapes: values that look like a secret wherever they appear (an `Authorization` header's
  value, a `Bearer` token, the ID in `/api/keys/<id>`, `api_token=...`-like query values, Fernet
  tokens such as the portal's encrypted columns, the password in `scheme://user:password@host`);
- values: every secret the running work has registered with `secrets_in_use(...)` (the Tyk key
  being created, updated or revoked; the secret a reveal is showing). The registry is a
  contextvar, so it follows the thread (and asyncio task) doing the work and ends with it; a log
  line written elsewhere meanwhile is caught by the shapes only.

This module imports nothing from Django, so every process can use it before settings exist.
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

REDACTED = "[redacted]"
MIN_LENGTH = 8  # shorter values are not registered: redacting "abc" everywhere would garble logs

_in_use: ContextVar[tuple[str, ...]] = ContextVar("forecourt_secrets_in_use", default=())

_QUERY_NAMES = ("api_token|api_key|apikey|access_token|refresh_token|id_token|token|secret|client_secret|"
                "password|passwd|pwd|key|auth|signature|sig|code")

# (a text the shape cannot appear without, lower-cased: a cheap test before the pattern runs;
#  the pattern; its replacement)
SHAPES: tuple[tuple[str, re.Pattern[str], str], ...] = (
    # `Authorization: <value>` as a header line, a repr'd header pair or a dict entry.
    ("authorization",
     re.compile(r"(?i)(\bauthorization\b[\"']?\s*[:=,]\s*[\"']?)(?:(?:bearer|basic|token)\s+)?[^\s\"',;)}\]]+"),
     rf"\1{REDACTED}"),
    ("bearer", re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]{8,}"), rf"\1{REDACTED}"),
    # A Tyk key's ID (the key itself, or its hash) in a Dashboard path; not the portal's own
    # names for such a path, "/api/keys/(credential #12)".
    ("/api/keys/", re.compile(r"(/api/keys/)(?!(?:detailed|preview)\b|\()[^/?#\s\"'<>]+"), rf"\1{REDACTED}"),
    ("=", re.compile(rf"(?i)((?<![A-Za-z0-9_-])(?:{_QUERY_NAMES})=)[^&\s\"'#<>]+"), rf"\1{REDACTED}"),
    # Fernet tokens (the encrypted columns, `fc1:` + token): version byte 0x80, then a timestamp.
    ("gaaaaa", re.compile(r"gAAAAA[A-Za-z0-9_-]{20,}={0,2}"), REDACTED),
    # scheme://user:password@host
    ("://", re.compile(r"(\b[A-Za-z][A-Za-z0-9+.-]*://[^:/?#@\s]*:)[^@/\s]+(@)"), rf"\1{REDACTED}\2"),
)


@contextmanager
def secrets_in_use(*values: str | None) -> Iterator[None]:
    """Register `values` as secrets for the work done inside the block (this thread or task)."""
    added = tuple(v for v in values if v and len(v) >= MIN_LENGTH)
    token = _in_use.set(_in_use.get() + added)
    try:
        yield
    finally:
        _in_use.reset(token)


def registered() -> tuple[str, ...]:
    return _in_use.get()


def redact(text: str) -> str:
    """`text` with every registered secret and every secret-shaped value replaced by [redacted]."""
    for value in sorted(set(_in_use.get()), key=len, reverse=True):  # longest first: one may contain another
        text = text.replace(value, REDACTED)
    lowered = text.lower()
    for hint, pattern, replacement in SHAPES:
        if hint in lowered:
            text = pattern.sub(replacement, text)
    return text
