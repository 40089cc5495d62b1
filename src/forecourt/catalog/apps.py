from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "forecourt.catalog"
    label = "catalog"
    verbose_name = "Catalogue"

    def ready(self) -> None:
        from . import search

        search.connect()  # the search index follows every product, API and provider write

        from forecourt.pagecache import signals

        from .models import Catalogue, CatalogueAudience, Plan, Product, ProductAPI, ProductDoc, ProductSpec

        # Anonymous pages show these rows (a product page lists its specifications and links their documents):
        # their changes bump the page cache's revision.
        signals.watch(Product, ProductAPI, ProductDoc, ProductSpec, Plan, Catalogue, CatalogueAudience)
        signals.watch_m2m(Catalogue.products.through, Catalogue.plans.through)
