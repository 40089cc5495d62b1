"""Django's CACHES from PORTAL_CACHE_URL (imported by settings.py, so no Django imports at load).

Empty: LocMemCache, a memory of each web worker process. It is never shared, and need not be: every
key holds the database's content revision (revision.py), so a worker can only ever miss, never serve
a page older than a committed change. A Redis URL: Django's own RedisCache, shared by every worker
and replica, with short socket timeouts so that a Redis that is down or unreachable costs a page a
fraction of a second, not a hung worker (store.py then renders without it and logs a warning).
"""

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from forecourt import __version__

# How long an entry lives: entries of old revisions are never read again, so this only bounds the
# memory they hold (and how long a theme folder's files edited on disk can go unseen).
TIMEOUT = 600
# The embedded cache's size, per process: pages larger than store.MAX_BODY are not cached.
LOCMEM_MAX_ENTRIES = 400
SOCKET_TIMEOUT = 0.25


def caches(url: str) -> dict[str, dict[str, Any]]:
    if not url:
        return {"default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "forecourt-pages",
            "TIMEOUT": TIMEOUT,
            "OPTIONS": {"MAX_ENTRIES": LOCMEM_MAX_ENTRIES, "CULL_FREQUENCY": 4},
        }}
    return {"default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": url,
        "TIMEOUT": TIMEOUT,
        # Each release its own keys: during a rolling upgrade two releases share the Redis and the
        # content revision, and neither may read what the other cached (pages of another theme
        # version, fragments of another shape).
        "KEY_PREFIX": f"forecourt-{__version__}",
        "OPTIONS": {
            # Values are bytes that store.py encodes: never unpickled, so whoever can write to the
            # Redis cannot make the portal run code (Django's default serializer is pickle).
            "serializer": "forecourt.pagecache.store.BytesSerializer",
            "socket_connect_timeout": SOCKET_TIMEOUT,
            "socket_timeout": SOCKET_TIMEOUT,
        },
    }}


def masked(url: str) -> str:
    """The URL with its password (and user) replaced by ***, for logs and messages."""
    if not url:
        return "(the embedded cache)"
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "(an unreadable cache URL)"
    netloc = ("***@" if parts.username or parts.password else "") + (f"[{host}]" if ":" in host else host)
    netloc += f":{port}" if port else ""
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
