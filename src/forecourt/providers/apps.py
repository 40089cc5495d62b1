from django.apps import AppConfig


class ProvidersConfig(AppConfig):
    name = "forecourt.providers"
    label = "providers"
    verbose_name = "Providers"

    def ready(self) -> None:
        from forecourt.pagecache import signals

        from . import jobs, push  # noqa: F401 - register the sync and push jobs and the sync schedule
        from .models import Provider
        from .tyk import provisioning  # noqa: F401 - registers the tyk-pro provider

        signals.watch(Provider)  # the catalogue shows providers' gateway URLs and tags: changes bump the revision
