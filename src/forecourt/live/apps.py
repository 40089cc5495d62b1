from importlib import import_module

from django.apps import AppConfig

AREAS = ("account", "catalogue", "developer")


class LiveConfig(AppConfig):
    name = "forecourt.live"
    label = "live"
    verbose_name = "Live Portal"

    def ready(self) -> None:
        from forecourt.lifecycle import rolling
        from forecourt.themes import validate

        from . import served_documents

        served_documents.connect()
        # `forecourt rebuild-derived` remakes them; the life-cycle, below the Live Portal, cannot import it.
        rolling.register_derived("documents", served_documents.refresh_all)

        for area in AREAS:
            module = import_module(f"{self.name}.{area}")
            validate.SAMPLE_PAGES.update(getattr(module, "SAMPLES", {}))
            register = getattr(module, "register_menus", None)
            if register is not None:
                register()
