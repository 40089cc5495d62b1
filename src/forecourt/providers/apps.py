from django.apps import AppConfig


class ProvidersConfig(AppConfig):
    name = "forecourt.providers"
    label = "providers"
    verbose_name = "Providers"
