from django.apps import AppConfig


class ProvidersConfig(AppConfig):
    name = "forecourt.providers"
    label = "providers"
    verbose_name = "Providers"

    def ready(self) -> None:
        from . import jobs  # noqa: F401 - registers the sync job and its schedule
        from .tyk import provisioning  # noqa: F401 - registers the tyk-pro provisioner
