"""Data a view's template gets from a package above the themes engine, whoever renders the view.

The home page is an admin's content Page (content renders it) or, with none published, the themes
engine's own fallback (views.home); either way its template shows the featured products and the
"get a key" steps, which the Live Portal knows and the themes layer may not import. So the Live
Portal registers a provider for "views/home.html" in its AppConfig.ready(), and `rendering.render`
asks it on every render of that view: the page's own context wins on a clash of names.
"""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

Provider = Callable[[HttpRequest], dict[str, Any]]

_providers: dict[str, Provider] = {}


def use(template: str, provide: Provider) -> None:
    """`provide(request)` gives plain data that every render of `template` ("views/home.html") gets."""
    _providers[template] = provide


def for_view(request: HttpRequest, template: str) -> dict[str, Any]:
    provide = _providers.get(template)
    return provide(request) if provide is not None else {}
