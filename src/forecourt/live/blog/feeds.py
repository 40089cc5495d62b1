"""The blog's Atom feed (Django's syndication framework): the latest visible posts, each with its
lede and its content as sanitised HTML (the themes' Markdown filter: the same HTML the post page shows)."""

from datetime import datetime
from typing import Any

from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from forecourt.blog.models import Post
from forecourt.themes.sandbox import markdown
from forecourt.themes.urls_names import reverse_live

from . import data

LATEST = 20


class BlogFeed(Feed):  # type: ignore[type-arg]  # generic in django-stubs only
    feed_type = Atom1Feed
    description_template = None

    def title(self) -> str:
        return _("Blog")

    def link(self) -> str:
        return reverse_live("blog")

    def subtitle(self) -> str:
        return _("The latest posts")

    def items(self) -> list[Post]:
        return data.feed_posts(LATEST)

    def item_title(self, item: Post) -> str:
        return item.translated("title")

    def item_link(self, item: Post) -> str:
        return reverse_live("blog_post", item.path)

    def item_description(self, item: Post) -> str:
        return item.translated("lede")

    def item_extra_kwargs(self, item: Post) -> dict[str, Any]:
        return {"content": str(markdown(item.translated("content")))}

    def item_pubdate(self, item: Post) -> datetime:
        return item.published_at

    def item_updateddate(self, item: Post) -> datetime:
        return item.updated_at

    def item_author_name(self, item: Post) -> str | None:
        return item.author_name or None

    def item_categories(self, item: Post) -> list[str]:
        return [c.translated("name") for c in item.categories.all()]


class _ContentFeed(Atom1Feed):
    """Atom with each entry's full content (<content type="html">) besides its summary."""

    def add_item_elements(self, handler: Any, item: dict[str, Any]) -> None:
        super().add_item_elements(handler, item)
        if item.get("content"):
            handler.addQuickElement("content", item["content"], {"type": "html"})


BlogFeed.feed_type = _ContentFeed

_feed = BlogFeed()


def feed(request: HttpRequest) -> HttpResponse:
    return _feed(request)
