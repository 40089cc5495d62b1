from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "forecourt.ops"
    label = "ops"
    verbose_name = "Operations"
