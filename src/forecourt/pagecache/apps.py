from django.apps import AppConfig


class PagecacheConfig(AppConfig):
    name = "forecourt.pagecache"
    label = "pagecache"
    verbose_name = "Page cache"

    def ready(self) -> None:
        from . import signals

        signals.connect()
