from django.apps import AppConfig


class PortalconfigConfig(AppConfig):
    name = "forecourt.portalconfig"
    label = "portalconfig"
    verbose_name = "General settings"

    def ready(self) -> None:
        from forecourt.i18n import negotiation
        from forecourt.pagecache import signals

        from .models import PortalSettings

        signals.watch(PortalSettings)  # pages show the portal's name and settings: changes bump the revision
        negotiation.use_offer(PortalSettings.language_offer)  # every request's language is one offered
