from django.apps import AppConfig


class ProvidersConfig(AppConfig):
    name = "forecourt.providers"
    label = "providers"
    verbose_name = "Providers"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from forecourt.catalog import search
        from forecourt.pagecache import signals

        from . import jobs, push, registry  # noqa: F401 - register the sync and push jobs and the sync schedule
        from .models import Provider
        from .tyk import provisioning  # noqa: F401 - registers the tyk-pro provider

        registry.install()  # access reaches a credential's gateway through its port (access.gateway)
        signals.watch(Provider)  # the catalogue shows providers' gateway URLs and tags: changes bump the revision
        # The search index shows products without their provider's policy tags: a change to those
        # re-indexes the provider's products (catalog.search; catalog does not import providers).
        post_save.connect(search.provider_saved, sender=Provider, dispatch_uid="catalog.search.provider")
