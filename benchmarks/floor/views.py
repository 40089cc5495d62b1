from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .models import Card

PER_PAGE = 20


def hello(request: HttpRequest) -> HttpResponse:
    """A constant string: routing, two middleware and a response, nothing else."""
    return HttpResponse("hello", content_type="text/plain")


def page_3() -> list[dict[str, Any]]:
    """Page 3 of the table, 20 cards, from one query (ORDER BY an indexed column, LIMIT/OFFSET)."""
    offset = 2 * PER_PAGE
    return list(Card.objects.order_by("name").values("id", "name", "description", "tags")[offset:offset + PER_PAGE])


def cards(request: HttpRequest) -> HttpResponse:
    """The 20 cards of page 3 in the Jinja2 template."""
    return render(request, "cards.html", {"cards": page_3(), "page": 3})


def signed_in_cards(request: HttpRequest) -> HttpResponse:
    """The same page for a signed-in user (floor.settings_signed_in): the session and the user are
    loaded, and the user's e-mail address is in the page. 403 when not signed in, so that a cookie
    the server does not accept shows up as errors under load instead of as a fast page."""
    if not request.user.is_authenticated:
        raise PermissionDenied
    return render(request, "cards.html", {"cards": page_3(), "page": 3, "email": request.user.email})
