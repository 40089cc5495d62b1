from django.apps import AppConfig


class SsoConfig(AppConfig):
    name = "forecourt.sso"
    label = "sso"
    verbose_name = "Single sign-on"
