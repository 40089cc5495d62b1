from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "forecourt.api"
    label = "api"
    verbose_name = "Admin API"
