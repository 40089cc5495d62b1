"""The Live Portal's search page: thin, over live.search.data (and so forecourt.sitesearch)."""

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from forecourt import themes

from . import data


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    context = data.search_page(request.user, request.GET)
    title = _("Search: %(words)s") % {"words": context["q"]} if context["q"] else _("Search")
    return themes.render(request, "views/search.html", {"page": {"title": title}, **context})
