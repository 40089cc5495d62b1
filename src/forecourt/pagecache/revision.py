"""The content revision: read on every cacheable request, bumped in the transaction of every change.

Why a database row and not a value in the cache: the cache may be a memory of its own in each
worker process (nothing shared) or a Redis that is down; the database is what every replica
shares and what a change commits to. Bumping is an UPDATE of one row, so it takes that row's
lock until the change commits: a reader sees the new revision exactly when it can see the change,
and a page is always rendered from content at least as new as the revision it is stored under
(the revision is read first). Concurrent content changes queue on that row, which is cheap for
admin edits and syncs, the only writers.
"""

import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar, cast

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from forecourt.deferral import Deferral

from .models import Revision

TABLE = "pagecache_revision"
T = TypeVar("T")

_memo_lock = threading.Lock()
_memo: dict[str, tuple[str, Any]] = {}


_seen: ContextVar[dict[str, str | None] | None] = ContextVar("forecourt_revision_seen", default=None)


@contextmanager
def once_per_request() -> Iterator[None]:
    """Within it, current() reads the revision once and answers the same token after that, until a
    bump() in it. The page cache's middleware wraps every GET and HEAD in it: a page asks for the
    revision for each thing it keeps (the page, its fragments, the menus, the active theme), and one
    read is enough, since what is kept under a token is never older than the token."""
    reset = _seen.set({})
    try:
        yield
    finally:
        _seen.reset(reset)


def current(using: str = DEFAULT_DB_ALIAS) -> str | None:
    """The revision token, or None when there is no row (then nothing is cached). One indexed read on
    the driver's own cursor: this runs before every cached page, where even Django's cursor wrapper
    shows. Raises what the driver raises (no table before the first migration, say)."""
    seen = _seen.get()
    if seen is not None and using in seen:
        return seen[using]
    token = _read(using)
    if seen is not None:
        seen[using] = token
    return token


def _read(using: str) -> str | None:
    connection = connections[using]
    if connection.in_atomic_block or connection.queries_logged:
        # In a transaction (tests), or logging queries: through Django, so that it counts and is seen.
        with connection.cursor() as wrapped:
            wrapped.execute(_query(connection))
            row = wrapped.fetchone()
        return str(row[0]) if row else None
    connection.ensure_connection()
    cursor = connection.connection.cursor()
    try:
        cursor.execute(_query(connection))
        row = cursor.fetchone()
    finally:
        cursor.close()
    return str(row[0]) if row else None


_QUERIES: dict[str, str] = {}  # vendor -> the read, made once: it runs before every cached page


def _query(connection: BaseDatabaseWrapper) -> str:
    query = _QUERIES.get(connection.vendor)
    if query is None:
        query = _QUERIES[connection.vendor] = f"SELECT token FROM {connection.ops.quote_name(TABLE)} WHERE id = 1"  # noqa: S608
    return query


def bump(using: str | None = None) -> str | None:
    """Give the content a new revision, in the caller's transaction (call it inside the write's
    transaction.atomic() block, after or before the write). Returns the new token; None inside a
    `deferred()` block, which bumps once at its end."""
    alias = using or DEFAULT_DB_ALIAS
    pending = _deferral.pending()
    if pending is not None:
        pending.add(alias)
        return None
    return _bump(alias)


def _bump(alias: str) -> str:
    seen = _seen.get()
    if seen is not None:
        seen.pop(alias, None)  # read again: the new token, or the old one if this transaction rolls back
    token = secrets.token_hex(16)
    now = timezone.now()
    if not Revision.objects.using(alias).filter(pk=1).update(token=token, changed_at=now):
        Revision.objects.using(alias).update_or_create(pk=1, defaults={"token": token, "changed_at": now})
    return token


def remembered(name: str, compute: Callable[[], T]) -> T:
    """compute(), once per process per revision: for small data every page reads (the menus, the
    active theme's name) and whose rows bump the revision when they change (pagecache.signals).
    Costs one revision read instead of the ORM queries behind compute(). The value must not be
    mutated by callers. Without a revision row, or when the database cannot say (no such table yet:
    `forecourt upgrade-check` on an older database), compute() each time."""
    try:
        token = current()
    except Exception:  # the driver's own errors too: current() reads on the driver's cursor
        token = None
    if token is None:
        return compute()
    held = _memo.get(name)
    if held is not None and held[0] == token:
        return cast(T, held[1])
    value = compute()
    with _memo_lock:
        _memo[name] = (token, value)
    return value


def forget() -> None:
    """Drop what `remembered` holds (tests that roll the database back)."""
    with _memo_lock:
        _memo.clear()


def _flush(aliases: set[str]) -> None:
    for alias in sorted(aliases):
        _bump(alias)


_deferral: Deferral[set[str]] = Deferral("forecourt.pagecache.revision", set, _flush)


@contextmanager
def deferred(using: str | None = None) -> Iterator[None]:
    """One new revision for all the changes made inside (a sync saves many rows, and each save's
    signal would bump the revision: one UPDATE of the same row each). Every `bump()` inside only
    notes its database; the block bumps each once when it ends, still inside its transaction
    (forecourt.deferral). Readers could not see the block's changes before it commits anyway."""
    with _deferral.block(using):
        yield
