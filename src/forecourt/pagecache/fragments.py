"""Parts of signed-in pages that do not depend on the user, cached under the content revision.

    cards = fragments.cached("catalogue-cards", (page, sorted(product_ids)), lambda: build_cards(...))

The value must be JSON data (it goes through the shared cache as bytes, never pickled). The key holds
the revision, so a fragment is never older than the content it was built from; the caller's `parts`
must hold everything else the value depends on (the visible catalogue IDs, the filters...) and nothing
that names the user. When the cache is unavailable, `compute` runs every time.
"""

import hashlib
import json
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.db import DatabaseError

import forecourt

from . import revision, store
from .middleware import SHOWN_SETTINGS

T = TypeVar("T")


def _key(name: str, parts: Any) -> str | None:
    """The cache key of fragment `name` for `parts` under the current revision; None when nothing may
    be cached (no revision row, or the database cannot say)."""
    try:
        token = revision.current()
    except DatabaseError:
        token = None
    if token is None:
        return None
    shown = [str(settings.CONFIG[setting]) for setting in SHOWN_SETTINGS]
    digest = hashlib.sha256(json.dumps([forecourt.__version__, token, shown, name, parts], sort_keys=True,
                                       default=str).encode()).hexdigest()
    return f"fragment:{digest}"


def cached(name: str, parts: Any, compute: Callable[[], T]) -> T:
    key = _key(name, parts)
    if key is None:
        return compute()
    raw = store.get(key)
    if raw is not None:
        try:
            return json.loads(raw)
        except ValueError:
            pass
    value = compute()
    try:
        encoded = json.dumps(value, separators=(",", ":")).encode()
    except (TypeError, ValueError):
        return value  # not JSON data: never cached
    if len(encoded) <= store.MAX_BODY:
        store.put(key, encoded)
    return value


def cached_bytes(name: str, parts: Any, compute: Callable[[], bytes]) -> bytes:
    """Like `cached`, for a value that is bytes already (an encoded API answer): stored and served
    as is, so a hit costs neither decoding nor encoding."""
    key = _key(name, parts)
    if key is None:
        return compute()
    raw = store.get(key)
    if raw is not None:
        return raw
    value = compute()
    if len(value) <= store.MAX_BODY:
        store.put(key, value)
    return value


def catalogue_page(user: Any, filters: Any) -> dict[str, Any]:
    """live.catalogue.data.catalogue_page(user, filters) for a signed-in user, shared by every user who
    sees the same catalogues: the page depends on the user only through visible_catalogues(user), whose
    IDs (read fresh, one query: memberships of teams change no revision) are part of the key."""
    from dataclasses import asdict

    from forecourt.catalog.services import visible_catalogues
    from forecourt.live.catalogue import data

    if not getattr(user, "is_authenticated", False):
        return data.catalogue_page(user, filters)  # anonymous pages are cached whole
    ids = sorted(visible_catalogues(user).values_list("pk", flat=True))
    return cached("catalogue-page", [ids, asdict(filters)], lambda: data.catalogue_page(user, filters))
