from django.apps import AppConfig


class PagecacheConfig(AppConfig):
    """The models whose changes bump the revision are registered by their own packages
    (pagecache/signals.py: `watch()`), so the page cache imports none of them."""

    name = "forecourt.pagecache"
    label = "pagecache"
    verbose_name = "Page cache"
