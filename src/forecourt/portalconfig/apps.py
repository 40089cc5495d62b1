from django.apps import AppConfig


class PortalconfigConfig(AppConfig):
    name = "forecourt.portalconfig"
    label = "portalconfig"
    verbose_name = "General settings"
