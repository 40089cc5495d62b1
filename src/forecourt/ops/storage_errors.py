"""A database that cannot store anything more: full disk, or read-only. THE one mapping from each
engine's errors to those two kinds, and what this process last saw of them.

Such a database is an operator's problem, not a bug: the portal answers 503 with a message that
says what is wrong (never where the database is, see `readiness._problem`) instead of a 500, on
every page (`StorageErrorMiddleware`, and `themes.views.server_error` for errors raised outside
a view) and in the Admin API (`api.errors`), and /ready reports it (`readiness.check`).

A read-only database shows on a read (`ping_query`, `read_only_now`), so /ready sees it before
any write fails. A full disk shows only when a write fails, and /ready never writes (probes come
every few seconds): each process remembers its requests' last such failure, and /ready reports
it for REMEMBER_FOR after it.
"""

import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from django.db import DatabaseError, connections
from django.http import HttpResponse, JsonResponse
from django.utils.html import escape

log = logging.getLogger("forecourt.storage")

DISK_FULL = "disk full"
READ_ONLY = "read-only"

MESSAGES = {
    DISK_FULL: "The portal cannot save anything right now: its database's disk is full. "
               "Nothing was changed. Try again later; the portal's operators have been told.",
    READ_ONLY: "The portal cannot save anything right now: its database is read-only. "
               "Nothing was changed. Try again later; the portal's operators have been told.",
}
TITLE = "Saving is not possible right now"  # the 503 page's title, themed or not
RETRY_AFTER = 60  # seconds, for the Retry-After header
REMEMBER_FOR = 60.0  # seconds that /ready reports a write failure seen by a request

# SQLite primary result codes (the low byte of the extended code).
_SQLITE_READONLY = 8
_SQLITE_FULL = 13
# PostgreSQL SQLSTATEs.
_PG = {"53100": DISK_FULL, "25006": READ_ONLY}
# MariaDB / MySQL error numbers: ER_DISK_FULL, ER_RECORD_FILE_FULL (a table cannot grow: the disk
# or the tablespace is full), ER_OPTION_PREVENTS_STATEMENT (--read-only), ER_OPEN_AS_READONLY,
# ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION (a session or transaction set READ ONLY).
_MYSQL = {1021: DISK_FULL, 1114: DISK_FULL, 1290: READ_ONLY, 1036: READ_ONLY, 1792: READ_ONLY}


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and its causes: Django wraps the driver's exception as `__cause__`."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen and len(seen) < 5:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def classify(exc: BaseException) -> str | None:
    """DISK_FULL, READ_ONLY, or None for any other error."""
    for error in _chain(exc):
        code = getattr(error, "sqlite_errorcode", None)  # sqlite3, Python 3.11+
        if isinstance(code, int):
            primary = code & 0xFF
            if primary == _SQLITE_FULL:
                return DISK_FULL
            if primary == _SQLITE_READONLY:
                return READ_ONLY
        sqlstate = getattr(error, "sqlstate", None)  # psycopg 3
        if isinstance(sqlstate, str) and sqlstate in _PG:
            return _PG[sqlstate]
        number = error.args[0] if type(error).__module__.startswith("MySQLdb") and error.args else None
        if isinstance(number, int) and number in _MYSQL:
            return _MYSQL[number]
        text = str(error).lower()  # sqlite3 before 3.11 has no codes, only its fixed messages
        if "database or disk is full" in text:
            return DISK_FULL
        if "attempt to write a readonly database" in text:
            return READ_ONLY
    return None


_lock = threading.Lock()
_seen: dict[str, float] = {}  # kind -> time.monotonic() of the last failure
_logged: dict[str, float] = {}


def remember(exc: BaseException) -> str | None:
    """Note a storage error that a request met (logged at most once a minute per kind); its kind."""
    kind = classify(exc)
    if kind is None:
        return None
    now = time.monotonic()
    with _lock:
        _seen[kind] = now
        quiet = now - _logged.get(kind, -REMEMBER_FOR) < REMEMBER_FOR
        if not quiet:
            _logged[kind] = now
    if not quiet:
        log.error("the database refused a write (%s): %s", kind, " ".join(str(exc).split()))
    return kind


def forget() -> None:
    """Forget what requests saw (tests)."""
    with _lock:
        _seen.clear()


def recent() -> str | None:
    """The kind of the latest storage error seen within REMEMBER_FOR, if any."""
    now = time.monotonic()
    with _lock:
        live = {kind: at for kind, at in _seen.items() if now - at < REMEMBER_FOR}
    if not live:
        return None
    return max(live, key=lambda kind: live[kind])


def read_only_now(using: str) -> bool:
    """Whether the database says, on a read, that it takes no writes. One query, which /ready's
    ping makes anyway (`ping_query`), so this costs nothing more; SQLite also checks the file."""
    connection = connections[using]
    if connection.vendor == "sqlite":
        name = str(connection.settings_dict["NAME"])
        if os.path.exists(name) and not os.access(name, os.W_OK):
            return True
    return False


def ping_query(vendor: str) -> str:
    """The readiness ping: one row whose only value is true when the session cannot write."""
    if vendor == "postgresql":
        return "SELECT current_setting('transaction_read_only') = 'on'"
    if vendor == "mysql":
        return "SELECT @@global.read_only OR @@session.tx_read_only"
    return "PRAGMA query_only"


def response_for(request: Any, exc: BaseException) -> Any:
    """The 503 for a storage error: the Admin API's JSON envelope under /portal-api/, else a page."""
    kind = classify(exc) or READ_ONLY
    if request.path.startswith("/portal-api/"):
        return finish(JsonResponse(payload(kind), status=503))
    return finish(_page(request, describe(kind)))


def plain_page(request: Any, message: str) -> HttpResponse:
    """The 503 page without a theme (the Admin Portal, and before a themed page is registered)."""
    title = escape(TITLE)
    return HttpResponse(f"<!doctype html><title>{title}</title><h1>{title}</h1><p>{escape(message)}</p>", status=503)


_page: Callable[[Any, str], HttpResponse] = plain_page


def use_page(page: Callable[[Any, str], HttpResponse]) -> None:
    """Have `page(request, message)` make the 503 page. The themes engine registers its themed page
    (themes/apps.py): ops is below themes (ARCHITECTURE.md, "Layers") and must not import it."""
    global _page
    _page = page


def finish(response: Any) -> Any:
    """Retry-After, no caching, and no second log line (remember() logged it, once a minute)."""
    response["Retry-After"] = str(RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    response._has_been_logged = True
    return response


class StorageErrorMiddleware:
    """A view's storage error (full disk, read-only database) becomes a 503 with a clear message."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        return self.get_response(request)

    def process_exception(self, request: Any, exception: Exception) -> Any:
        if not isinstance(exception, DatabaseError) or remember(exception) is None:
            return None
        return response_for(request, exception)


def describe(kind: str) -> str:
    return MESSAGES[kind]


def payload(kind: str) -> dict[str, Any]:
    """The Admin API's error envelope for a storage problem."""
    return {"status": "error", "errors": [describe(kind)]}
