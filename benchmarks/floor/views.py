from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .models import Card

PER_PAGE = 20


def hello(request: HttpRequest) -> HttpResponse:
    """A constant string: routing, two middleware and a response, nothing else."""
    return HttpResponse("hello", content_type="text/plain")


def cards(request: HttpRequest) -> HttpResponse:
    """Page 3 of the table, 20 cards, from one query (ORDER BY an indexed column, LIMIT/OFFSET)."""
    offset = 2 * PER_PAGE
    rows = list(Card.objects.order_by("name").values("id", "name", "description", "tags")[offset:offset + PER_PAGE])
    return render(request, "cards.html", {"cards": rows, "page": 3})
