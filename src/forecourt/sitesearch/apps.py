from django.apps import AppConfig


class SiteSearchConfig(AppConfig):
    name = "forecourt.sitesearch"
    label = "sitesearch"
    verbose_name = "Site search"

    def ready(self) -> None:
        from . import indexing

        indexing.connect()  # the index follows every product, API, document, page and post write
