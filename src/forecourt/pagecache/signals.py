"""Every change to what anonymous Live Portal pages show bumps the content revision.

Saves and deletions through the ORM (forms, the Admin API, services, syncs) arrive here as
signals, in the transaction of the change. Code that writes with QuerySet.update() or
bulk_create() sends no signal and calls `revision.bump()` itself (providers/sync.py,
providers/push.py, providers/tyk/policies.py, catalog/services.py, themes/storage.py);
tests/test_page_cache.py has a test per kind of change. Inside `revision.deferred()` (a sync) every
bump, by signal or explicit call, becomes one bump at the block's end: `bump()` holds that rule, the
receivers here do not.

Which models: each package whose rows anonymous pages show registers them, in its AppConfig.ready(),
with `watch()` (and `watch_m2m()` for many-to-many tables): products, their APIs and docs, plans,
catalogues and their audiences (catalog/apps.py), pages, blocks and menus (content/apps.py), themes
and the active theme (themes/apps.py), the general settings (portalconfig/apps.py), providers'
gateway URLs and tags (providers/apps.py), blog posts, their categories, the tags they carry and
their links (blog/apps.py). The page cache is below them all (ARCHITECTURE.md,
"Layers"): it knows that rows change, not which.
"""

from typing import Any

from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save

from . import revision

WATCHED: list[type[Model]] = []  # what registered, in order: for reading, and for the tests


def _changed(sender: type, using: str | None = None, **kwargs: Any) -> None:
    revision.bump(using)


def _m2m_changed(sender: type, action: str, using: str | None = None, **kwargs: Any) -> None:
    if action.startswith("post_"):
        revision.bump(using)


def watch(*models: type[Model]) -> None:
    """Bump the revision whenever a row of these models is saved or deleted (idempotent)."""
    for model in models:
        post_save.connect(_changed, sender=model, dispatch_uid=f"pagecache.save.{model._meta.label}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"pagecache.delete.{model._meta.label}")
        if model not in WATCHED:
            WATCHED.append(model)


def watch_m2m(*throughs: type[Model]) -> None:
    """Bump the revision whenever rows are added to or removed from these many-to-many tables."""
    for through in throughs:
        m2m_changed.connect(_m2m_changed, sender=through, dispatch_uid=f"pagecache.m2m.{through._meta.label}")
        if through not in WATCHED:
            WATCHED.append(through)
