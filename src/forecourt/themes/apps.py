from django.apps import AppConfig


class ThemesConfig(AppConfig):
    name = "forecourt.themes"
    label = "themes"
    verbose_name = "Live Portal themes"

    def ready(self) -> None:
        from forecourt.ops import storage_errors
        from forecourt.pagecache import signals

        from .models import Theme, ThemeFile, ThemeState
        from .views import unavailable_page

        # The 503 page of a database that takes no writes is themed; ops, below themes, cannot import it.
        storage_errors.use_page(unavailable_page)
        signals.watch(Theme, ThemeFile, ThemeState)  # every page shows the active theme: changes bump the revision
