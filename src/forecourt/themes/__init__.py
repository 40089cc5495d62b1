"""Live Portal themes: storage, the sandbox templates run in, rendering with fallback, validation.

Other code renders Live Portal pages and theme e-mails through two functions:

    from forecourt import themes
    return themes.render(request, "views/catalogue.html", {"page": {...}, "products": [...]})
    subject, text, html = themes.render_mail("access_request_approved", {...})

The context is plain data only (docs/themes.md lists what each page gets).
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

# These import their modules when called: Django imports this package to load the app, before any
# models may be imported, and .rendering and .context import the themes' models (through .sources).


def render(request: "HttpRequest", template: str, context: dict[str, Any] | None = None,
           status: int = 200) -> "HttpResponse":
    from .rendering import render as _render  # noqa: PLC0415 - imports models: see above

    return _render(request, template, context, status)


def decoded_json(value: Any, identity: str | None = None) -> Any:
    """Context data that json.loads() returned, marked so that render() need not check it (context.py)."""
    from .context import decoded_json as _decoded_json  # noqa: PLC0415 - imports models: see above

    return _decoded_json(value, identity)


def render_mail(name: str, context: dict[str, Any] | None = None) -> tuple[str, str, str]:
    from .rendering import render_mail as _render_mail  # noqa: PLC0415 - imports models: see above

    return _render_mail(name, context)
