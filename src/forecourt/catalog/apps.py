from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "forecourt.catalog"
    label = "catalog"
    verbose_name = "Catalogue"

    def ready(self) -> None:
        from . import search

        search.connect()  # the search index follows every product, API and provider write
