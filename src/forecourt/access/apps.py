from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "forecourt.access"
    label = "access"
    verbose_name = "Access"

    def ready(self) -> None:
        from . import credentials, expiry, services, signals  # noqa: F401 - register jobs, periodic tasks, receivers
