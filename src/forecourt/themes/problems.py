"""Theme problems the Admin Portal shows as a banner: a template that failed at run time, or an
active theme that could not be loaded. Kept in the database (one row) so every replica's admins
see them; written at most once a minute per message per process, so a broken page that is hit
constantly does not turn into a write per request."""

import logging
import threading
import time
from typing import Any

from django.db import DatabaseError, transaction
from django.utils import timezone

from .models import ThemeState

log = logging.getLogger("forecourt.themes")

THROTTLE_SECONDS = 60.0
_lock = threading.Lock()
_recent: dict[tuple[str, str], float] = {}


def record(theme: str, message: str) -> None:
    """Remember `message` about `theme` for the banner. Never raises: the page is being served."""
    key = (theme, message)
    now = time.monotonic()
    with _lock:
        if now - _recent.get(key, -THROTTLE_SECONDS) < THROTTLE_SECONDS:
            return
        _recent[key] = now
    try:
        with transaction.atomic():
            ThemeState.load()
            ThemeState.objects.filter(pk=1).update(problem=message[:4000], problem_theme=theme,
                                                   problem_at=timezone.now())
    except DatabaseError:
        log.exception("could not record the theme problem")


def current() -> dict[str, Any] | None:
    """The problem to show, or None (one query)."""
    row = ThemeState.objects.filter(pk=1).exclude(problem="").values("problem", "problem_theme", "problem_at").first()
    return dict(row) if row else None


def clear() -> None:
    ThemeState.objects.filter(pk=1).update(problem="", problem_theme="", problem_at=None)
    with _lock:
        _recent.clear()


def reset_throttle() -> None:
    with _lock:
        _recent.clear()
