"""Sample context for the blog's pages and partials, for theme validation (`forecourt theme validate` renders
every template with it). docs/themes.md documents what each view gets; these values show it."""

from typing import Any

_POST = {
    "id": 1, "title": "Ten tips for faster integrations", "path": "ten-tips", "url": "/blog/ten-tips",
    "lede": "What we learnt from a year of support tickets.", "author": "Ada Admin",
    "published_at": "2026-06-25T13:37:00+00:00", "published_on": "25 June 2026",
    "categories": [{"id": 1, "name": "Guides", "url": "/blog?category=1"}],
    "tags": [{"name": "payments", "url": "/blog?tag=payments"}],
}
_PAGINATION = {"page": 2, "pages": 3, "count": 25, "per_page": 10, "previous_url": "/blog?tag=payments",
               "next_url": "/blog?tag=payments&page=3"}

SAMPLES: dict[str, dict[str, Any]] = {
    "views/blog.html": {
        "page": {"title": "Blog"},
        "posts": [_POST, {**_POST, "id": 2, "path": "hello", "url": "/blog/hello", "title": "Hello", "author": "",
                          "categories": [], "tags": []}],
        "filters": {"category": 1, "category_name": "Guides", "tag": "payments"},
        "choices": {"categories": [{"id": 1, "name": "Guides"}, {"id": 2, "name": "News"}],
                    "tags": ["payments", "security"]},
        "feed_url": "/blog/feed.atom",
        "pagination": _PAGINATION,
    },
    "views/blog_post.html": {
        "page": {"title": _POST["title"]},
        "post": {**_POST, "content": "## Keep keys safe\n\nSome *Markdown*, with `code`."},
    },
}
SAMPLES["partials/blog_post_card.html"] = {"post": _POST}
