"""A Django request through an ASGI app and back, for the SDK's Streamable HTTP app under WSGI.

The web workers are WSGI (granian) and Django's views are sync. Rather than mount the ASGI app
beside Django in wsgi.py, /mcp is a Django view that runs the app with `async_to_sync`: the request
passes Django's middleware like any other (allowed hosts, the start-up gate, storage errors,
request logging), and `sync_to_async` work inside the app runs back in the request's thread, whose
database connection Django's request cycle opens and closes. The app answers in full (stateless,
JSON), so its answer is collected and returned as one HttpResponse. Nothing else pays for it:
other paths never reach this module.
"""

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import anyio
from asgiref.sync import async_to_sync
from django.http import HttpRequest, HttpResponse
from starlette.types import ASGIApp, Message


def _scope(request: HttpRequest, path: str) -> dict[str, Any]:
    meta = request.META
    headers = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in request.headers.items()]
    port = int(meta.get("SERVER_PORT") or (443 if request.is_secure() else 80))
    scope: dict[str, Any] = {
        "type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": str(meta.get("SERVER_PROTOCOL", "HTTP/1.1")).partition("/")[2] or "1.1",
        "method": request.method, "scheme": request.scheme, "path": path, "raw_path": path.encode(),
        "query_string": str(meta.get("QUERY_STRING", "")).encode("latin-1"), "root_path": "",
        "headers": headers, "server": (str(meta.get("SERVER_NAME", "")), port), "extensions": {},
    }
    if meta.get("REMOTE_ADDR"):
        scope["client"] = (meta["REMOTE_ADDR"], int(meta.get("REMOTE_PORT") or 0))
    return scope


def respond(request: HttpRequest, app: ASGIApp, lifespan: Callable[[], AbstractAsyncContextManager[Any]],
            path: str) -> HttpResponse:
    """Run `app` for `request` inside `lifespan()` and answer what it sent."""
    body = request.body  # read before the app runs: Django may have read it already (CSRF, forms)
    scope = _scope(request, path)
    start: dict[str, Any] = {}
    chunks: list[bytes] = []

    async def run() -> None:
        answered = anyio.Event()
        given = False

        async def receive() -> Message:
            nonlocal given
            if not given:
                given = True
                return {"type": "http.request", "body": body, "more_body": False}
            await answered.wait()  # as a server would: the client "leaves" once it has its answer
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    answered.set()

        async with lifespan():
            await app(scope, receive, send)
            answered.set()

    async_to_sync(run)()
    headers: dict[str, str] = {}
    for raw_name, raw_value in start.get("headers", []):
        name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
        if name != "content-length":  # Django sets it from the content
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return HttpResponse(b"".join(chunks), status=int(start.get("status", 500)), headers=headers)
