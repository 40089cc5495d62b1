"""The Live Portal's blog: the index (filtered by category or tag, paged), a post, and an Atom feed.

Drafts and posts whose publish date has not come are 404s, like posts that do not exist
(forecourt.blog.services.visible_posts). Anonymous visitors get the pages from the page cache,
except while a post is scheduled (blog.services.has_scheduled: the cache would not see it come).
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from forecourt import themes
from forecourt.blog.services import PATH, has_scheduled
from forecourt.pagecache.middleware import cacheable

from . import data


def _cached(response: HttpResponse) -> HttpResponse:
    return response if has_scheduled() else cacheable(response)


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    context = data.index_page(data.Filters.from_query(request.GET))
    return _cached(themes.render(request, "views/blog.html", {"page": {"title": _("Blog")}, **context}))


@require_safe
def post(request: HttpRequest, path: str) -> HttpResponse:
    found = data.post_page(path) if PATH.fullmatch(path) else None
    if found is None:
        raise Http404("No such post.")
    return _cached(themes.render(request, "views/blog_post.html", {"page": {"title": found["title"]},
                                                                   "post": found}))
