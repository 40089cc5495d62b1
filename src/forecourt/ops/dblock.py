"""A lock that only one process across every replica can hold: who migrates the database.

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
from contextlib import contextmanager
from pathlib import Path

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

log = logging.getLogger("forecourt.migrate")

LOCK_NAME = "forecourt:migrate"
# pg advisory locks take a bigint; derive a stable one from the name.
PG_LOCK_KEY = zlib.crc32(LOCK_NAME.encode())
POLL_SECONDS = 0.2


class LockTimeout(Exception):
    pass


def _try_acquire(connection: BaseDatabaseWrapper, state: dict[str, object]) -> bool:
    vendor = connection.vendor
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [PG_LOCK_KEY])
            return bool(cursor.fetchone()[0])
    if vendor == "mysql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT GET_LOCK(%s, 0)", [LOCK_NAME])
            return bool(cursor.fetchone()[0] == 1)
    if vendor == "sqlite":
        handle = state.get("file")
        if handle is None:
            path = Path(str(connection.settings_dict["NAME"]) + ".migrate-lock")
            path.parent.mkdir(parents=True, exist_ok=True)
            handle = state["file"] = path.open("a+")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)  # type: ignore[attr-defined]
        except BlockingIOError:
            return False
        return True
    raise NotImplementedError(f"no migration lock for database vendor {vendor!r}")


def _release(connection: BaseDatabaseWrapper, state: dict[str, object]) -> None:
    vendor = connection.vendor
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [PG_LOCK_KEY])
    elif vendor == "mysql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT RELEASE_LOCK(%s)", [LOCK_NAME])
    elif vendor == "sqlite":
        handle = state.get("file")
        if handle is not None:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)  # type: ignore[attr-defined]
            handle.close()  # type: ignore[attr-defined]


@contextmanager
def migration_lock(using: str = "default", timeout: float = 600.0) -> Iterator[None]:
    """Hold the migration lock for the duration of the block."""
    connection = connections[using]
    state: dict[str, object] = {}
    deadline = time.monotonic() + timeout
    said_waiting = False
    while not _try_acquire(connection, state):
        if not said_waiting:
            log.info("waiting for the migration lock: another Forecourt process is migrating the database")
            said_waiting = True
        if time.monotonic() > deadline:
            handle = state.get("file")
            if handle is not None:
                handle.close()  # type: ignore[attr-defined]
            raise LockTimeout(f"gave up waiting {timeout:.0f}s for the migration lock")
        time.sleep(POLL_SECONDS)
    try:
        yield
    finally:
        try:
            _release(connection, state)
        except Exception:  # the server drops the lock with the session anyway
            log.debug("could not release the migration lock cleanly", exc_info=True)
