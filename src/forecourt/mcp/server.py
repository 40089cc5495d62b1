"""The SDK's MCP server with the catalogue's tools, and the portal API token as its bearer token.

Every tool is read-only (annotated so) and async: the SDK runs a sync tool in a thread of its own
pool, where a Django database connection would be opened and never closed. Each tool instead hands
its work to `catalogue.py` through `sync_to_async`, which, under the bridge's `async_to_sync`, runs
it in the request's own thread: the connection Django's request cycle opens and closes.

Authentication is the SDK's (its bearer middleware: 401 with WWW-Authenticate for a missing or
unknown token, before any protocol message is read); the check of the token is the portal's one
rule (`accounts.tokens.owner`: an inactive user's token opens nothing).
"""

import logging
from collections.abc import Awaitable, Callable
from functools import cache
from typing import Any, TypeVar

from asgiref.sync import sync_to_async
from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.auth.provider import AccessToken
from mcp.server.auth.settings import AuthSettings
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.transport_security import TransportSecuritySettings
from mcp.types import ToolAnnotations
from starlette.applications import Starlette

import forecourt
from forecourt.accounts import tokens
from forecourt.accounts.models import User

from . import catalogue

PATH = "/mcp"
_T = TypeVar("_T")

# The session manager runs for one request (asgi_app()), so its "started" and "shutting down" lines at
# INFO would be two lines of every call, saying nothing; its warnings and errors still show.
logging.getLogger("mcp.server.streamable_http_manager").setLevel(logging.WARNING)

INSTRUCTIONS = (
    "The API catalogue of this developer portal, as the token's user sees it on the portal. "
    "list_products lists the products and their APIs; search finds products by words; "
    "list_operations and get_openapi_document read one API by the ID those answers give.")
READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False)


class PortalTokenVerifier:
    """The SDK's token verifier over the portal's tokens: the owner's ID is the token's subject."""

    async def verify_token(self, token: str) -> AccessToken | None:
        user = await sync_to_async(tokens.owner)(token)
        if user is None:
            return None
        return AccessToken(token=token, client_id=f"user-{user.pk}", subject=str(user.pk), scopes=[])


def _active_user(user_id: int) -> User:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:  # deactivated since the request's token was checked
        raise ToolError("this token no longer opens the catalogue")
    return user


async def _as_caller(work: Callable[..., _T], *args: Any) -> _T:
    """Run `work(user, *args)` for the token's user, in the request's thread; a refusal becomes the
    tool's error (the same words whether the thing is hidden from the user or does not exist)."""
    access = get_access_token()
    if access is None or access.subject is None:  # the SDK's middleware let no such request through
        raise ToolError("no portal API token")
    user_id = int(access.subject)

    def call() -> _T:
        return work(_active_user(user_id), *args)

    try:
        return await sync_to_async(call)()
    except (catalogue.NotFound, ValueError) as exc:
        raise ToolError(str(exc)) from exc


async def list_products(page: int = 1) -> dict[str, Any]:
    """The API products you may see in the portal's catalogue, each with its APIs (IDs for the other
    tools), 50 a page: ask for next_page while it is not null."""
    return await _as_caller(catalogue.list_products, page)


async def search(query: str) -> dict[str, Any]:
    """What matches the words of the query, best first: products (by name, description, tags or APIs), and
    API operations (by path, summary or description: with the api_id list_operations and
    get_openapi_document take), getting-started docs, pages and posts."""
    return await _as_caller(catalogue.search_products, query)


async def list_operations(api_id: int) -> dict[str, Any]:
    """The operations (method, path, summary) of one API, by the ID list_products or search gave."""
    return await _as_caller(catalogue.list_operations, api_id)


async def get_openapi_document(api_id: int) -> str:
    """One API's OpenAPI document (JSON or YAML, as published), by the ID list_products or search gave."""
    return await _as_caller(catalogue.openapi_document, api_id)


TOOLS: tuple[Callable[..., Awaitable[Any]], ...] = (list_products, search, list_operations, get_openapi_document)


@cache
def server() -> MCPServer:
    """Made at the first request, once per process (the SDK's constructor sets up logging only where
    none is, and by then the portal's is)."""
    mcp = MCPServer(
        "forecourt-catalogue", title="API catalogue", version=forecourt.__version__, instructions=INSTRUCTIONS,
        token_verifier=PortalTokenVerifier(),
        # The SDK wants an issuer whenever it checks bearer tokens. With no resource_server_url and
        # no authorization server provider it publishes it nowhere (no OAuth metadata routes): the
        # portal, which issues the tokens, is the issuer, and clients are given their token by hand.
        auth=AuthSettings(issuer_url="http://localhost", resource_server_url=None),  # type: ignore[arg-type]
    )
    for tool in TOOLS:
        mcp.add_tool(tool, annotations=READ_ONLY)
    return mcp


def asgi_app() -> Starlette:
    """The SDK's Streamable HTTP app for one request: stateless, JSON answers (no stream to keep
    open in a WSGI worker). Its session manager runs for one request only (the bridge enters its
    lifespan around the request), so each request's event loop owns everything it uses.

    The SDK's DNS-rebinding protection (a list of allowed Host and Origin values) is for servers
    without authentication, which a page that rebinds its name to them can call. Here every call
    needs the bearer token, which no page has unless the user pasted it there, and a portal is
    reached by whatever names its operators give it (settings.ALLOWED_HOSTS), so it is off."""
    return server().streamable_http_app(
        streamable_http_path=PATH, json_response=True, stateless_http=True,
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False))
