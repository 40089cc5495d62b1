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

from . import secret

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


def _ping(using: str) -> str | None:
    try:
        with connections[using].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        connections[using].close()
        return f"unreachable ({_problem('database', exc)}; see the log)"
    _last_logged.pop("database", None)
    return None


def check(using: str = DEFAULT_DB_ALIAS) -> tuple[bool, dict[str, Any]]:
    """Run the checks; return (ready, {"database": ..., "migrations": ..., "startup": ...})."""
    global _started
    checks: dict[str, Any] = {}
    problem = _ping(using)
    checks["database"] = problem or "ok"
    if problem:
        checks["migrations"] = checks["startup"] = "unknown"
        return False, checks
    if _started:
        checks["migrations"] = checks["startup"] = "ok"
        return True, checks
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
    return True, checks


def reset() -> None:
    """Forget that this process has started (tests); the migration graph on disk cannot change."""
    global _started
    _started = False
