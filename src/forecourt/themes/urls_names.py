"""Which URLs templates may ask for by name: Live Portal pages, in the `live` URL namespace."""

from typing import Any

from django.urls import reverse

NAMESPACE = "live"


def reverse_live(name: str, *args: Any, **kwargs: Any) -> str:
    """The path of the Live Portal page `name` ("home", "catalogue"...). Other namespaces (the
    Admin Portal, the API) are not reachable: a template can only link to consumer pages."""
    if not isinstance(name, str) or ":" in name:
        raise ValueError(f"not a Live Portal page name: {name!r}")
    return reverse(f"{NAMESPACE}:{name}", args=[str(a) for a in args] or None,
                   kwargs={k: str(v) for k, v in kwargs.items()} or None)
