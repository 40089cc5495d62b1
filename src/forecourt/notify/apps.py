from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "forecourt.notify"
    label = "notify"
    verbose_name = "E-mail notifications"

    def ready(self) -> None:
        from forecourt.themes import validate

        # Registers the "notify.email" job handler; the worker only knows handlers of imported modules.
        from . import (
            email,  # noqa: F401
            values,
        )

        # Theme validation renders every e-mail with its sample data; themes is below notify and cannot import it.
        validate.use_mail_samples(values.sample)  # dates and language as an e-mail gets them
