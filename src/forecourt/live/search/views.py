"""The Live Portal's search page: thin, over live.search.data (and so forecourt.sitesearch)."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from forecourt import themes

from . import data


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    context = data.search_page(request.user, request.GET)
    title = f"Search: {context['q']}" if context["q"] else "Search"
    return themes.render(request, "views/search.html", {"page": {"title": title}, **context})
