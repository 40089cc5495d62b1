"""Locks that only one process across every replica can hold: who migrates the database
(`migration_lock`), who applies a configuration (`named_lock("config-apply")`).

- PostgreSQL: a session advisory lock (pg_try_advisory_lock), released on unlock or disconnect.
- MySQL / MariaDB: GET_LOCK on a named lock, released on RELEASE_LOCK or disconnect.
- SQLite: an exclusive flock on a file beside the database (all processes share one host).

The lock is polled rather than awaited so that a waiting process can say, once, that it is
waiting and give up after `timeout` seconds with a clear error.
"""

import fcntl
import logging
import time
import zlib
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

log = logging.getLogger("forecourt.migrate")

LOCK_NAME = "forecourt:migrate"
POLL_SECONDS = 0.2


def _pg_key(name: str) -> int:
    """pg advisory locks take a bigint; a stable one from the name."""
    return zlib.crc32(name.encode())


PG_LOCK_KEY = _pg_key(LOCK_NAME)  # the migration lock's, for the tests that hold it from outside


class LockTimeout(Exception):
    pass


def _try_acquire(connection: BaseDatabaseWrapper, state: dict[str, object], name: str) -> bool:
    vendor = connection.vendor
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [_pg_key(name)])
            return bool(cursor.fetchone()[0])
    if vendor == "mysql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT GET_LOCK(%s, 0)", [name])
            return bool(cursor.fetchone()[0] == 1)
    if vendor == "sqlite":
        handle = state.get("file")
        if handle is None:
            suffix = name.removeprefix("forecourt:")
            path = Path(str(connection.settings_dict["NAME"]) + f".{suffix}-lock")
            path.parent.mkdir(parents=True, exist_ok=True)
            handle = state["file"] = path.open("a+")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)  # type: ignore[attr-defined]
        except BlockingIOError:
            return False
        return True
    raise NotImplementedError(f"no lock for database vendor {vendor!r}")


def _release(connection: BaseDatabaseWrapper, state: dict[str, object], name: str) -> None:
    vendor = connection.vendor
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [_pg_key(name)])
    elif vendor == "mysql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT RELEASE_LOCK(%s)", [name])
    elif vendor == "sqlite":
        handle = state.get("file")
        if handle is not None:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)  # type: ignore[attr-defined]
            handle.close()  # type: ignore[attr-defined]


@contextmanager
def named_lock(name: str, label: str, what: str, using: str = "default", timeout: float = 600.0) -> Iterator[None]:
    """Hold the lock `forecourt:<name>` for the duration of the block. The one waiting line and the
    timeout's error call it "the <label> lock" and say what the other process is doing."""
    connection = connections[using]
    state: dict[str, object] = {}
    full = f"forecourt:{name}"
    deadline = time.monotonic() + timeout
    said_waiting = False
    while not _try_acquire(connection, state, full):
        if not said_waiting:
            log.info("waiting for the %s lock: another Forecourt process is %s", label, what)
            said_waiting = True
        if time.monotonic() > deadline:
            handle = state.get("file")
            if handle is not None:
                handle.close()  # type: ignore[attr-defined]
            raise LockTimeout(f"gave up waiting {timeout:.0f}s for the {label} lock: another process is {what}")
        time.sleep(POLL_SECONDS)
    try:
        yield
    finally:
        try:
            _release(connection, state, full)
        except Exception:  # the server drops the lock with the session anyway
            log.debug("could not release the %s lock cleanly", label, exc_info=True)


def migration_lock(using: str = "default", timeout: float = 600.0) -> AbstractContextManager[None]:
    """Hold the migration lock for the duration of the block."""
    return named_lock(LOCK_NAME.removeprefix("forecourt:"), "migration", "migrating the database", using, timeout)
