from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "forecourt.ops"
    label = "ops"
    verbose_name = "Operations"

    def ready(self) -> None:
        from . import unstorable

        unstorable.check_forms()  # every form refuses text that cannot be stored
