"""Every change to what anonymous Live Portal pages show bumps the content revision.

Saves and deletions through the ORM (forms, the Admin API, services, syncs) arrive here as
signals, in the transaction of the change. Code that writes with QuerySet.update() or
bulk_create() sends no signal and calls `revision.bump()` itself (providers/sync.py,
providers/push.py, providers/tyk/policies.py, catalog/services.py, themes/storage.py);
tests/test_page_cache.py has a test per kind of change. Inside `revision.deferred()` (a sync) every
bump, by signal or explicit call, becomes one bump at the block's end: `bump()` holds that rule, the
receivers here do not.
"""

from typing import Any

from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save

from . import revision

_CONNECTED = False


def watched() -> list[type[Model]]:
    """The models whose rows anonymous pages show (products, their APIs and docs, plans, catalogues
    and their audiences, pages, blocks and menus, themes and the active theme, the general
    settings, providers' gateway URLs and tags)."""
    from forecourt.catalog.models import Catalogue, CatalogueAudience, Plan, Product, ProductAPI, ProductDoc
    from forecourt.content.models import ContentBlock, MenuItem, Page
    from forecourt.portalconfig.models import PortalSettings
    from forecourt.providers.models import Provider
    from forecourt.themes.models import Theme, ThemeFile, ThemeState

    return [Product, ProductAPI, ProductDoc, Plan, Catalogue, CatalogueAudience, Page, ContentBlock, MenuItem,
            Theme, ThemeFile, ThemeState, PortalSettings, Provider]


def _changed(sender: type, using: str | None = None, **kwargs: Any) -> None:
    revision.bump(using)


def _m2m_changed(sender: type, action: str, using: str | None = None, **kwargs: Any) -> None:
    if action.startswith("post_"):
        revision.bump(using)


def connect() -> None:
    global _CONNECTED
    if _CONNECTED:
        return
    _CONNECTED = True
    for model in watched():
        post_save.connect(_changed, sender=model, dispatch_uid=f"pagecache.save.{model._meta.label}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"pagecache.delete.{model._meta.label}")
    from forecourt.catalog.models import Catalogue

    for through in (Catalogue.products.through, Catalogue.plans.through):
        m2m_changed.connect(_m2m_changed, sender=through, dispatch_uid=f"pagecache.m2m.{through._meta.label}")
