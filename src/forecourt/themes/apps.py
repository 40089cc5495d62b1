from django.apps import AppConfig


class ThemesConfig(AppConfig):
    name = "forecourt.themes"
    label = "themes"
    verbose_name = "Live Portal themes"
