"""Parts of signed-in pages that do not depend on the user, cached under the content revision.

    cards = fragments.cached("catalogue-cards", (page, sorted(product_ids)), lambda: build_cards(...))

The value must be JSON data (it goes through the shared cache as bytes, never pickled), and comes
back as json.loads() makes it. The key holds
the revision, so a fragment is never older than the content it was built from; the caller's `parts`
must hold everything else the value depends on (the visible catalogue IDs, the filters...) and nothing
that names the user. The key holds the active language and time zone too (forecourt.i18n's
middleware activates the request's): what a fragment says may be translated, its dates localised.
When the cache is unavailable, `compute` runs every time.
"""

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.utils import timezone, translation

import forecourt

from . import revision, store
from .middleware import SHOWN_SETTINGS


def _key(name: str, parts: Any) -> str | None:
    """The cache key of fragment `name` for `parts` under the current revision; None when nothing may
    be cached (no revision row, or the database cannot say)."""
    try:
        token = revision.current()
    except Exception:  # the driver's own errors too (revision.current): then nothing is cached
        token = None
    if token is None:
        return None
    shown = [str(settings.CONFIG[setting]) for setting in SHOWN_SETTINGS]
    locale = [translation.get_language(), timezone.get_current_timezone_name()]
    digest = hashlib.sha256(json.dumps([forecourt.__version__, token, shown, locale, name, parts], sort_keys=True,
                                       default=str).encode()).hexdigest()
    return f"fragment:{digest}"


def cached(name: str, parts: Any, compute: Callable[[], Any]) -> Any:
    """compute()'s value under this key, always as json.loads() returns it (also on a miss, and when
    nothing may be cached), so callers get the same kind of data either way. TypeError when the
    value is not JSON data."""
    return cached_with_key(name, parts, compute)[0]


def cached_with_key(name: str, parts: Any, compute: Callable[[], Any]) -> tuple[Any, str | None]:
    """`cached`, and the key the value is kept under (None when nothing may be cached): the value is
    a function of the key, so the key can stand for it in another key (themes.fragments) instead of
    the value being encoded again."""
    key = _key(name, parts)
    if key is not None:
        raw = store.get(key)
        if raw is not None:
            try:
                return json.loads(raw), key
            except ValueError:
                pass
    encoded = json.dumps(compute(), separators=(",", ":")).encode()
    if key is not None and len(encoded) <= store.MAX_BODY:
        store.put(key, encoded)
    return json.loads(encoded), key


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
