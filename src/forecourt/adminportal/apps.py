from django.apps import AppConfig


class AdminPortalConfig(AppConfig):
    name = "forecourt.adminportal"
    label = "adminportal"
    verbose_name = "Admin Portal"

    def ready(self) -> None:
        # The resources' forms (forecourt.resources.forms) know no widget of a UI: the Admin Portal
        # gives their multiple-choice fields its searchable multi-select, in every process, so the
        # Admin API fills the same forms as before.
        from forecourt.i18n.content_forms import use_widget
        from forecourt.resources.forms import add_form_hook

        from .widgets import SideBySideTranslations, make_searchable

        add_form_hook(make_searchable)
        use_widget(SideBySideTranslations)
