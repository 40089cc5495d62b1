from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "forecourt.notify"
    label = "notify"
    verbose_name = "E-mail notifications"

    def ready(self) -> None:
        # Registers the "notify.email" job handler; the worker only knows handlers of imported modules.
        from . import email  # noqa: F401
