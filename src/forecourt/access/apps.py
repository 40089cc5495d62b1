from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "forecourt.access"
    label = "access"
    verbose_name = "Access"
