from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "forecourt.access"
    label = "access"
    verbose_name = "Access"

    def ready(self) -> None:
        from . import services  # noqa: F401 - registers the provisioning job handler
