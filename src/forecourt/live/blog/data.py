"""The blog pages' plain data: posts, categories and tags as dicts for the theme templates.

What a visitor may see is decided by forecourt.blog.services.visible_posts (published, and due);
everything here starts from it. Each function runs a fixed number of queries, whatever the number
of posts.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.db.models import Prefetch, QuerySet
from django.utils import formats, translation

from forecourt.blog.models import Category, Post
from forecourt.blog.services import visible_posts
from forecourt.catalog.models import Tag
from forecourt.themes.urls_names import reverse_live

PER_PAGE = 10


@dataclass(frozen=True)
class Filters:
    category: int | None = None
    tag: str = ""
    page: int = 1

    @classmethod
    def from_query(cls, params: Any) -> "Filters":
        def number(name: str) -> int | None:
            raw = str(params.get(name, "")).strip()
            return int(raw) if raw.isdigit() and len(raw) < 10 else None

        return cls(category=number("category"), tag=str(params.get("tag", "")).strip()[:100],
                   page=number("page") or 1)

    def query(self, **changes: Any) -> str:
        """These filters as a query string ("?tag=x&page=2"), with `changes` applied; "" if none."""
        values = {"category": self.category or "", "tag": self.tag, "page": self.page if self.page > 1 else "",
                  **changes}
        pairs = [(k, v) for k, v in values.items() if v not in ("", None)]
        return "?" + urlencode(pairs) if pairs else ""


def _with_links(posts: QuerySet[Post]) -> QuerySet[Post]:
    return posts.prefetch_related(Prefetch("categories", Category.objects.order_by("name", "pk")),
                                  Prefetch("tags", Tag.objects.order_by("folded", "pk")))


def published_on(moment: datetime) -> str:
    """A post's day as readers of the active language write a date: "25 June 2026", "25. Juni 2026",
    "2026年6月25日" (Django's locale formats, DATE_FORMAT; English keeps the portal's day-month-year, where
    Django's "en" would write "June 25, 2026"). The day is the UTC one, as the feeds give it."""
    if (translation.get_language() or "en").split("-")[0] == "en":
        return formats.date_format(moment, "j F Y")
    return formats.date_format(moment, "DATE_FORMAT")


def summary(post: Post) -> dict[str, Any]:
    index = reverse_live("blog")
    return {
        "id": post.pk, "title": post.translated("title"), "path": post.path,
        "url": reverse_live("blog_post", post.path),
        "lede": post.translated("lede"), "author": post.author_name,
        "published_at": post.published_at.isoformat(), "published_on": published_on(post.published_at),
        "categories": [{"id": c.pk, "name": c.translated("name"), "url": f"{index}?{urlencode({'category': c.pk})}"}
                       for c in post.categories.all()],
        "tags": [{"name": t.name, "url": f"{index}?{urlencode({'tag': t.name})}"} for t in post.tags.all()],
    }


def index_page(filters: Filters) -> dict[str, Any]:
    """The blog index's context: one page of the visible posts matching `filters`, newest first, with
    the filters' choices (the categories, the tags visible posts carry)."""
    posts = visible_posts()
    if filters.category is not None:
        posts = posts.filter(categories=filters.category)
    if filters.tag:
        posts = posts.filter(tags__folded=filters.tag.casefold())
    count = posts.count()
    pages = max(1, -(-count // PER_PAGE))
    page = min(filters.page, pages)
    shown = list(_with_links(posts)[(page - 1) * PER_PAGE:page * PER_PAGE])
    url = reverse_live("blog")
    categories = [{"id": c.pk, "name": c.translated("name")} for c in Category.objects.order_by("name", "pk")]
    tags = list(Tag.objects.filter(posts__in=visible_posts()).distinct().order_by("folded")
                .values_list("name", flat=True))
    category_name = next((c["name"] for c in categories if c["id"] == filters.category), "")
    return {
        "posts": [summary(p) for p in shown],
        "filters": {"category": filters.category, "category_name": category_name, "tag": filters.tag},
        "choices": {"categories": categories, "tags": tags},
        "feed_url": reverse_live("blog_feed"),
        "pagination": {
            "page": page, "pages": pages, "count": count, "per_page": PER_PAGE,
            "previous_url": url + filters.query(page=page - 1 if page > 2 else "") if page > 1 else None,
            "next_url": url + filters.query(page=page + 1) if page < pages else None,
        },
    }


def post_page(path: str) -> dict[str, Any] | None:
    """The post page's `post` (its summary and its Markdown content), or None if visitors may not see it."""
    post = _with_links(visible_posts()).filter(path=path).first()
    if post is None:
        return None
    return {**summary(post), "content": post.translated("content")}


def feed_posts(limit: int) -> list[Post]:
    return list(_with_links(visible_posts())[:limit])
