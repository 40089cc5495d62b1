from django.apps import AppConfig


class ContentConfig(AppConfig):
    name = "forecourt.content"
    label = "content"
    verbose_name = "Content"

    def ready(self) -> None:
        from django.utils.translation import get_language

        from forecourt.pagecache import revision, signals
        from forecourt.themes import menus, views

        from . import pages
        from .menus import database_items
        from .models import ContentBlock, MenuItem, Page

        signals.watch(Page, ContentBlock, MenuItem)  # anonymous pages show them: changes bump the revision

        # Every page shows the menus; their rows bump the revision, so each process reads them once per revision
        # and language (their labels are in the reader's language: forecourt.i18n.content).
        menus.use_database(lambda: revision.remembered(f"content:menus:{get_language()}", database_items))
        # The home page and the 404 handler (themes/views.py) serve the published page at a path.
        views.use_published_pages(pages.response)
