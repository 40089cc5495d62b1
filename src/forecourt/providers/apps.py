from django.apps import AppConfig


class ProvidersConfig(AppConfig):
    name = "forecourt.providers"
    label = "providers"
    verbose_name = "Providers"

    def ready(self) -> None:
        from . import jobs, push  # noqa: F401 - register the sync and push jobs and the sync schedule
        from .tyk import provisioning  # noqa: F401 - registers the tyk-pro provider
