"""Which URLs templates may ask for by name: Live Portal pages, in the `live` URL namespace."""

from functools import lru_cache
from typing import Any

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

NAMESPACE = "live"
MAX_REMEMBERED = 300  # characters of name and arguments a remembered URL may have


def reverse_live(name: str, *args: Any, **kwargs: Any) -> str:
    """The path of the Live Portal page `name` ("home", "catalogue"...). Other namespaces (the
    Admin Portal, the API) are not reachable: a template can only link to consumer pages.

    Remembered: a page asks for the same few URLs on every render (menus, links, assets), and
    Django's reverse() costs more than the rest of a link's render. A URL depends only on the
    name, the arguments, the URL configuration and the script prefix, which are the key."""
    if not isinstance(name, str) or ":" in name:
        raise ValueError(f"not a Live Portal page name: {name!r}")
    texts = tuple(str(a) for a in args)
    named = tuple(sorted((k, str(v)) for k, v in kwargs.items()))
    if len(name) + sum(map(len, texts)) + sum(len(k) + len(v) for k, v in named) > MAX_REMEMBERED:
        return _reverse.__wrapped__(name, texts, named, "", None)  # a template's long argument is not kept
    return _reverse(name, texts, named, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)


@lru_cache(maxsize=4096)
def _reverse(name: str, args: tuple[str, ...], kwargs: tuple[tuple[str, str], ...], _prefix: str,
             _urlconf: Any) -> str:
    return reverse(f"{NAMESPACE}:{name}", args=list(args) or None, kwargs=dict(kwargs) or None)
