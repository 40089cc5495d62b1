from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "forecourt.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        # Registers the "webhooks.deliver" job handler; the worker only knows handlers of imported modules.
        from . import delivery  # noqa: F401
