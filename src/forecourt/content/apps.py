from django.apps import AppConfig


class ContentConfig(AppConfig):
    name = "forecourt.content"
    label = "content"
    verbose_name = "Content"

    def ready(self) -> None:
        from forecourt.themes import menus

        from .menus import database_items

        menus.use_database(database_items)
