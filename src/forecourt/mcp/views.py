"""/mcp: the catalogue's MCP endpoint (server.py), reached through the bridge."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt  # no cookie is read: the bearer token, which a browser never adds by itself, is the credential
@never_cache
def endpoint(request: HttpRequest) -> HttpResponse:
    # The SDK takes seconds to import (measured 2.2 s, most of it its protocol types): imported here, a web
    # worker pays for it at its first /mcp request, not at the first request of any page.
    from . import bridge, server  # noqa: PLC0415 - see above

    app = server.asgi_app()
    return bridge.respond(request, app, lambda: app.router.lifespan_context(app), server.PATH)
