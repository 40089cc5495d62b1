from django.apps import AppConfig


class LiveConfig(AppConfig):
    name = "forecourt.live"
    label = "live"
    verbose_name = "Live Portal"

    def ready(self) -> None:
        from forecourt.lifecycle import rolling
        from forecourt.themes import validate, view_data

        from . import account, catalogue, developer, served_documents
        from .account import samples as account_samples
        from .blog import samples as blog_samples
        from .catalogue import home
        from .catalogue import samples as catalogue_samples
        from .developer import samples as developer_samples
        from .search import samples as search_samples

        served_documents.connect()
        # The home page is content's or the themes engine's (below this package): its featured products
        # and steps come from here, whoever renders it.
        view_data.use("views/home.html", home.home_data)
        # `forecourt rebuild-derived` remakes them; the life-cycle, below the Live Portal, cannot import it.
        rolling.register_derived("documents", served_documents.refresh_all)

        for samples in (account_samples, catalogue_samples, developer_samples, blog_samples, search_samples):
            validate.SAMPLE_PAGES.update(samples.SAMPLES)
        for area in (account, catalogue, developer):
            area.register_menus()
