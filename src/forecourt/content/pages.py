"""Serving pages: the published page at a path, as the plain data its template gets."""

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse

from forecourt.pagecache.middleware import cacheable
from forecourt.themes import render

from . import rules, seeded
from .models import ContentBlock, Page

log = logging.getLogger("forecourt.content")


def published(path: str) -> tuple[Page, list[ContentBlock]] | None:
    """The published page at `path` with its blocks in order, or None. One query for a page with
    blocks (the blocks bring their page), two for one without."""
    if not rules.PATH.fullmatch(path) or len(path) > rules.MAX_PATH:
        return None
    blocks = list(ContentBlock.objects.filter(page__path=path, page__status=Page.Status.PUBLISHED)
                  .select_related("page").order_by("position", "id"))
    if blocks:
        return blocks[0].page, blocks
    page = Page.objects.filter(path=path, status=Page.Status.PUBLISHED).first()
    return (page, []) if page is not None else None


def context(page: Page, blocks: list[ContentBlock]) -> dict[str, Any]:
    """What the page's template gets besides what every page gets (docs/themes.md). Seeded blocks
    that no admin has changed are left out, so the theme's own words show (seeded.py)."""
    return {
        "page": {"title": page.translated("title"), "path": page.path, "template": page.template},
        "blocks": {b.name: {"name": b.name, "content": b.translated("content")} for b in blocks
                   if not seeded.untouched(page.path, b.name, b.content)},
    }


def template_for(page: Page) -> str:
    """The page's view, or `page` if the active theme no longer has it (a theme changed since).
    A view of the default theme is always there (themes fall back to it): no need to look further."""
    if page.template in rules.default_templates() or page.template in rules.available_templates():
        return page.template
    log.warning("page %s: the active theme has no template %r; views/page.html is used instead",
                page.path, page.template)
    return "page"


def response(request: HttpRequest, path: str) -> HttpResponse | None:
    """The published page at `path` rendered with the active theme, or None if there is none."""
    if request.method not in ("GET", "HEAD"):
        return None
    found = published(path)
    if found is None:
        return None
    page, blocks = found
    # anonymous visitors get it from the page cache
    return cacheable(render(request, f"views/{template_for(page)}.html", context(page, blocks)))
