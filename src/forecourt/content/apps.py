from django.apps import AppConfig


class ContentConfig(AppConfig):
    name = "forecourt.content"
    label = "content"
    verbose_name = "Content"

    def ready(self) -> None:
        from forecourt.pagecache import revision
        from forecourt.themes import menus

        from .menus import database_items

        # Every page shows the menus; their rows bump the revision, so each process reads them once per revision.
        menus.use_database(lambda: revision.remembered("content:menus", database_items))
