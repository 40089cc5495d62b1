from django.apps import AppConfig


class AdminPortalConfig(AppConfig):
    name = "forecourt.adminportal"
    label = "adminportal"
    verbose_name = "Admin Portal"
