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


def _ping(using: str) -> str | None:
    try:
        with connections[using].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        connections[using].close()
        return "unreachable: " + (" ".join(str(exc).split()) or type(exc).__name__)
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
            checks["migrations"] = "error: " + " ".join(str(exc).split())
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
            checks["startup"] = "error: " + " ".join(str(exc).split())
            return False, checks
        _started = True
        checks["startup"] = "ok"
        log.debug("worker ready")
    return True, checks


def reset() -> None:
    """Forget that this process has started (tests); the migration graph on disk cannot change."""
    global _started
    _started = False
