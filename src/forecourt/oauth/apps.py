from django.apps import AppConfig


class OAuthConfig(AppConfig):
    name = "forecourt.oauth"
    label = "oauth"
    verbose_name = "OAuth 2.0 providers"
