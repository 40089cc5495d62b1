from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "forecourt.access"
    label = "access"
    verbose_name = "Access"

    def ready(self) -> None:
        from . import credentials, services, signals  # noqa: F401 - register the job handlers and receivers
