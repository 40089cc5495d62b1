from django.apps import AppConfig


class BlogConfig(AppConfig):
    name = "forecourt.blog"
    label = "blog"
    verbose_name = "Blog"

    def ready(self) -> None:
        from forecourt.catalog.models import Tag
        from forecourt.pagecache import signals

        from .models import Category, Post

        # The blog's pages and feed show posts, their categories and their tags' names: changes bump
        # the revision (a tag renamed or deleted through /tags changes the posts that carry it).
        signals.watch(Post, Category, Tag)
        signals.watch_m2m(Post.categories.through, Post.tags.through)
