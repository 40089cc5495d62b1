"""Entries in Django's cache, and what happens when the cache cannot be reached.

An entry is bytes: a JSON head (status, headers, the CSP nonce the page was rendered with, the ETag)
and the body. Only bytes go to the cache (BytesSerializer for Redis),
so nothing read back from it is ever unpickled.

In front of Django's cache, each process keeps the entries it used last, decoded (MEMO_ENTRIES, at
most MEMO_BYTES): a key holds the content revision, so an entry under a key never changes and this
memory can never be stale; it saves a hit the cache's round trip (Redis) or copy (LocMem) and the
decoding.

A cache that fails (Redis down, a timeout, a wrong password) never fails a page: the request is
served by rendering, a WARNING says why (the URL with its password masked), and the cache is left
alone for RETRY_AFTER seconds so that every page does not pay a timeout.
"""

import json
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache

from .backends import masked

log = logging.getLogger("forecourt.pagecache")

RETRY_AFTER = 5.0
MAX_BODY = 1024 * 1024  # larger pages are rendered each time rather than fill the cache

MEMO_ENTRIES = 256
MEMO_BYTES = 32 * 1024 * 1024

_lock = threading.Lock()
_down_until = 0.0
_memo: "OrderedDict[str, Entry]" = OrderedDict()
_memo_bytes = 0


class BytesSerializer:
    """Django RedisCache's serializer for values that are bytes already (and ints, for incr)."""

    def dumps(self, obj: Any) -> bytes | int:
        if isinstance(obj, int) and not isinstance(obj, bool):
            return obj
        if isinstance(obj, bytes):
            return obj
        raise TypeError("the page cache stores bytes only")

    def loads(self, data: bytes) -> bytes:
        return data


@dataclass
class Entry:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    etag: str
    nonce: str = ""  # the nonce the page was rendered with; each hit gets a fresh one in its place

    def encode(self) -> bytes:
        head = json.dumps({"s": self.status, "h": self.headers, "e": self.etag, "n": self.nonce},
                          separators=(",", ":")).encode()
        return str(len(head)).encode() + b"\n" + head + self.body

    @classmethod
    def decode(cls, data: bytes) -> "Entry | None":
        try:
            size, rest = data.split(b"\n", 1)
            head = json.loads(rest[: int(size)])
            return cls(status=int(head["s"]), headers=[(str(k), str(v)) for k, v in head["h"]],
                       body=rest[int(size):], etag=str(head["e"]), nonce=str(head["n"]))
        except (ValueError, KeyError, TypeError):
            return None  # not an entry of this version: a miss


def _url() -> str:
    return str(settings.CONFIG.cache_url)


def _failed(exc: Exception, doing: str) -> None:
    global _down_until
    with _lock:
        first = time.monotonic() >= _down_until
        _down_until = time.monotonic() + RETRY_AFTER
    if first:
        message = str(exc)
        password = urlsplit(_url()).password if _url() else None
        if password:
            message = message.replace(password, "***")
        log.warning("the page cache at %s could not %s (%s: %s); pages are rendered without it for the next "
                    "%.0f s", masked(_url()), doing, type(exc).__name__, message, RETRY_AFTER)


def available() -> bool:
    return time.monotonic() >= _down_until


def get(key: str) -> bytes | None:
    if not available():
        return None
    try:
        value = cache.get(key)
    except Exception as exc:  # any failure of the cache means "render instead"
        _failed(exc, "be read")
        return None
    return value if isinstance(value, bytes) else None


def put(key: str, value: bytes) -> None:
    if not available():
        return
    try:
        cache.set(key, value)
    except Exception as exc:
        _failed(exc, "be written")


def get_entry(key: str) -> Entry | None:
    """The page stored under `key`: from this process's memory, else from the cache."""
    with _lock:
        entry = _memo.get(key)
        if entry is not None:
            _memo.move_to_end(key)
            return entry
    raw = get(key)
    entry = Entry.decode(raw) if raw is not None else None
    if entry is not None:
        _remember(key, entry)
    return entry


def put_entry(key: str, entry: Entry) -> None:
    put(key, entry.encode())
    _remember(key, entry)


def _remember(key: str, entry: Entry) -> None:
    global _memo_bytes
    size = len(entry.body)
    with _lock:
        if key in _memo:
            return
        _memo[key] = entry
        _memo_bytes += size
        while _memo and (len(_memo) > MEMO_ENTRIES or _memo_bytes > MEMO_BYTES):
            _old_key, old = _memo.popitem(last=False)
            _memo_bytes -= len(old.body)


def reset() -> None:
    """Forget a failure and this process's memory of entries (tests)."""
    global _down_until, _memo_bytes
    with _lock:
        _down_until = 0.0
        _memo.clear()
        _memo_bytes = 0
