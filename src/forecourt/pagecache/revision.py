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

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

TABLE = "pagecache_revision"


def current(using: str = DEFAULT_DB_ALIAS) -> str | None:
    """The revision token, or None when there is no row (then nothing is cached). One indexed read on
    the driver's own cursor: this runs before every cached page, where even Django's cursor wrapper
    shows. Raises what the driver raises (no table before the first migration, say)."""
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


def _query(connection: BaseDatabaseWrapper) -> str:
    return f"SELECT token FROM {connection.ops.quote_name(TABLE)} WHERE id = 1"  # noqa: S608 - constants


def bump(using: str | None = None) -> str:
    """Give the content a new revision, in the caller's transaction (call it inside the write's
    transaction.atomic() block, after or before the write). Returns the new token."""
    from .models import Revision

    alias = using or DEFAULT_DB_ALIAS
    token = secrets.token_hex(16)
    now = timezone.now()
    if not Revision.objects.using(alias).filter(pk=1).update(token=token, changed_at=now):
        Revision.objects.using(alias).update_or_create(pk=1, defaults={"token": token, "changed_at": now})
    return token
