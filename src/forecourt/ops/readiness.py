"""Is this process ready to serve? Each web worker answers for itself.

A worker is ready when the database answers, every migration it knows of has been applied
(by `forecourt serve`, possibly on another replica) and the instance secret is loaded. The
schema check reads the migration graph from disk once per process and then costs one query;
once it has passed, only the database ping is repeated.
"""

import logging
import threading
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from . import secret, storage_errors

log = logging.getLogger("forecourt.ready")

_lock = threading.Lock()
_expected: set[tuple[str, str]] | None = None
_started = False


def started() -> bool:
    """True once this process has seen a current schema and loaded its secret."""
    return _started


def _expected_migrations() -> set[tuple[str, str]]:
    global _expected
    if _expected is None:
        loader = MigrationLoader(None, ignore_no_migrations=True)
        _expected = set(loader.graph.nodes)
    return _expected


_last_logged: dict[str, str] = {}


def _problem(check: str, exc: BaseException) -> str:
    """What /ready says about a failed check: the kind of failure, never the driver's text.

    /ready is open to anyone, and drivers put the database's host, port, user, database name or
    file path into their messages. The detail goes to the log instead, once per new message, so a
    probe every few seconds against a database that stays down does not flood it.
    """
    detail = " ".join(str(exc).split()) or type(exc).__name__
    if _last_logged.get(check) != detail:
        _last_logged[check] = detail
        log.warning("readiness check %s failed: %s", check, detail)
    return type(exc).__name__


def _ping(using: str) -> tuple[str | None, str | None]:
    """(unreachable, storage): None, None when the database answers and can store; else what
    /ready says about it.

    The one query both pings and asks whether the session is read-only (storage_errors.ping_query);
    a full disk shows only on a write, so it is reported while a request's failed write is recent
    (storage_errors.REMEMBER_FOR).
    """
    connection = connections[using]
    try:
        with connection.cursor() as cursor:
            cursor.execute(storage_errors.ping_query(connection.vendor))
            row = cursor.fetchone()
    except Exception as exc:
        connection.close()
        return f"unreachable ({_problem('database', exc)}; see the log)", None
    _last_logged.pop("database", None)
    if (row and row[0] and str(row[0]) not in ("0", "off")) or storage_errors.read_only_now(using):
        return None, _storage_problem(storage_errors.READ_ONLY)
    # A read-only database shows above; a full disk only in a request's failed write.
    if storage_errors.recent() == storage_errors.DISK_FULL:
        return None, _storage_problem(storage_errors.DISK_FULL)
    return None, None


def _storage_problem(kind: str) -> str:
    """"read-only" or "disk full", and nothing about where the database is."""
    return f"{kind}: the database cannot store anything (see the log)"


def check(using: str = DEFAULT_DB_ALIAS) -> tuple[bool, dict[str, Any]]:
    """Run the checks; return (ready, {"database": ..., "migrations": ..., "startup": ...}).

    A database that answers but cannot store (read-only, disk full) is not ready, yet does not
    stop the process from starting: pages that only read are served, and each write answers 503
    with the reason (storage_errors).
    """
    global _started
    checks: dict[str, Any] = {}
    problem, storage = _ping(using)
    checks["database"] = problem or storage or "ok"
    if problem:
        checks["migrations"] = checks["startup"] = "unknown"
        return False, checks
    if _started:
        checks["migrations"] = checks["startup"] = "ok"
        return storage is None, checks
    with _lock:
        try:
            applied = MigrationRecorder(connections[using]).applied_migrations()
            missing = _expected_migrations() - set(applied)
        except Exception as exc:
            checks["migrations"] = f"error ({_problem('migrations', exc)}; see the log)"
            checks["startup"] = "pending"
            return False, checks
        if missing:
            checks["migrations"] = f"pending: {len(missing)} not applied"
            checks["startup"] = "pending"
            return False, checks
        checks["migrations"] = "ok"
        try:
            secret.activate()
        except Exception as exc:
            checks["startup"] = f"error ({_problem('startup', exc)}; see the log)"
            return False, checks
        _started = True
        checks["startup"] = "ok"
        log.debug("worker ready")
    return storage is None, checks


def reset() -> None:
    """Forget that this process has started (tests); the migration graph on disk cannot change."""
    global _started
    _started = False
