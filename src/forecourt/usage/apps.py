from django.apps import AppConfig


class UsageConfig(AppConfig):
    name = "forecourt.usage"
    label = "usage"
    verbose_name = "Usage"

    def ready(self) -> None:
        from . import refresh  # noqa: F401 - registers the refresh job and its schedule
