"""Live Portal catalogue pages: the catalogue, a product, an API's or a specification's documentation (its
OpenAPI document, its GraphQL playground, a specification's AsyncAPI document) and its documents.

Every view starts from forecourt.catalog.services.visible_products(user): a product outside the
user's catalogues is answered 404, like one that does not exist, so its existence is not revealed.
"""

import json
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseNotModified, JsonResponse
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from forecourt import themes
from forecourt.access import try_it as try_it_access
from forecourt.access import try_it_relay
from forecourt.catalog import asyncapi, documents, images
from forecourt.catalog.services import visible_products
from forecourt.live import gateway, served_documents
from forecourt.ops import security_headers
from forecourt.themes.urls_names import reverse_live

from . import cached, data, try_it

# ProductDocRenderer (PORTAL_DOCRENDERER) -> the vendored bundle's script and style sheet
# (static/live/vendor/README.md says where they come from and how to update them).
RENDERERS: dict[str, tuple[str, str | None]] = {
    "stoplight": ("live/vendor/elements/web-components.min.js", "live/vendor/elements/styles.min.css"),
    "redoc": ("live/vendor/redoc/redoc.standalone.js", None),
    "lite": ("live/openapi-lite/openapi-lite.js", "live/openapi-lite/openapi-lite.css"),
}
# From this many operations a JSON document is shown by the portal's own light renderer
# (static/live/openapi-lite/), whatever ProductDocRenderer says: measured in chromium here
# (benchmarks/NOTES-render.md), Elements takes seconds and Redoc most of a minute to show the
# first operation of a 1,000-operation document, the light renderer a fraction of a second.
LITE_FROM = 200

# The API documentation page's policy: the base one (forecourt.ops.security_headers: scripts from
# the portal's origin or with the page's nonce, never inline without it, no eval), plus what the
# renderers need, checked in a browser (tests/test_security_headers_browser.py): both inject <style>
# elements without a nonce (styled-components), so inline styles; fonts as data: URIs; Redoc's
# search index runs in a blob: worker. With Elements, "Try it" calls the provider's gateway.
DOCS_STYLES = security_headers.INLINE_STYLES
DOCS_EXTRA = {"font-src": ["'self'", "data:"], "worker-src": ["'self'", "blob:"], "connect-src": ["'self'"]}
# Served files (OpenAPI documents, logos) never run anything, even when opened on their own.
FILE_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


def renderer_name() -> str:
    name = str(settings.CONFIG.product_doc_renderer)
    return name if name in RENDERERS else "stoplight"


@require_safe
def catalogue(request: HttpRequest) -> HttpResponse:
    filters = data.Filters.from_query(request.GET)
    # Through the page cache's fragments: signed-in users who see the same catalogues share the result.
    found, key = cached.catalogue_page(request.user, filters)  # JSON data, as json.loads() returns it
    context: dict[str, Any] = {"page": {"title": _("Catalogue")}, **{
        name: themes.decoded_json(value, f"{key}:{name}" if key else None) for name, value in found.items()}}
    return themes.render(request, "views/catalogue.html", context)


@require_safe
def product(request: HttpRequest, slug: str) -> HttpResponse:
    found = data.visible_product(request.user, slug)
    if found is None:
        raise Http404("No such product.")
    product_data = data.product_page(request.user, found)
    return themes.render(request, "views/product.html",
                         {"page": {"title": product_data["name"]}, "product": product_data})


def _gateway_origin(url: str) -> str:
    """The scheme://host[:port] of the provider's gateway, for Elements' "Try it"; "" if unusable."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    if any(c in parts.netloc for c in " ;,'\"\\"):
        return ""
    return f"{parts.scheme}://{parts.netloc}"


@require_safe
def api_docs(request: HttpRequest, slug: str, api: int) -> HttpResponse:
    found = data.visible_api(request.user, slug, api)
    if found is None:
        raise Http404("No such API documentation.")
    product_obj, api_obj = found
    provider = product_obj.provider
    served = served_documents.for_request(api_obj, provider)
    if served is None:
        raise Http404("No such API documentation.")
    name = renderer_name()
    if served.kind == "json" and served.operations >= LITE_FROM:
        name = "lite"
    script, style = RENDERERS[name]
    document_url = reverse_live("api_document", product_obj.slug, api_obj.pk)
    address = gateway.address(provider.gateway_url if provider is not None else "", api_obj.listen_path)
    context = {
        "page": {"title": f"{api_obj.name} · {product_obj.translated('display_name')}"},
        "product": {"id": product_obj.pk, "name": product_obj.translated("display_name"), "slug": product_obj.slug,
                    "description": product_obj.translated("description"),
                    "url": reverse_live("product", product_obj.slug)},
        "api": {"id": api_obj.pk, "name": api_obj.name, "api_id": api_obj.api_id,
                "listen_path": api_obj.listen_path, "auth_type": api_obj.auth_type,
                "auth_label": data.auth_label(api_obj.auth_type), "document_url": document_url,
                "format": served.kind, "operations": served.operations, "gateway_url": address},
        "renderer": {"name": name, "script_url": static(script), "style_url": static(style) if style else None},
    }
    panel = try_it.panel(request.user, product_obj, api_obj, address, proxy=bool(settings.CONFIG.try_it_proxy))
    if panel is not None:
        context["try_it"] = {**panel, "script_url": static("live/try-it.js")}
    response = themes.render(request, "views/api_docs.html", context)
    if panel is not None:
        # The panel's sign-in popup (authorization code) must keep its opener through the identity
        # provider's pages, to hand the code back (Django's default, same-origin, would cut it).
        response["Cross-Origin-Opener-Policy"] = "same-origin-allow-popups"
    origin = _gateway_origin(provider.gateway_url) if name == "stoplight" and provider is not None else ""
    if panel is not None and not panel["proxy_url"]:
        origin = try_it.origin(address)  # the panel calls the gateway from the page
    security_headers.replace(response, {**DOCS_STYLES, **DOCS_EXTRA})
    # The panel's OAuth clients read their identity provider's discovery document and token endpoint.
    origins = [o for o in [origin, *(panel["origins"] if panel is not None else [])] if o]
    if origins:
        security_headers.extend(response, {"connect-src": list(dict.fromkeys(origins))})
    return response


@require_safe
def try_it_callback(request: HttpRequest) -> HttpResponse:
    """Where an identity provider sends the "Try it" panel's authorization code back (its popup):
    the page's script hands the code to the opener and drops it from the address; no referrer
    carries it on, no cache keeps the page, and the server does nothing with the query."""
    response = themes.render(request, "views/try_it_callback.html",
                             {"page": {"title": _("Signing in")}, "script_url": static("live/try-it-callback.js")})
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    # The popup came here from the identity provider's pages (no opener policy): the same policy
    # keeps it in the docs page's browsing context group, so `window.opener` still reaches it.
    response["Cross-Origin-Opener-Policy"] = "unsafe-none"
    return response


@require_POST
def try_it_proxy(request: HttpRequest, slug: str, api: int) -> JsonResponse:
    """The opt-in "Try it" proxy (`TryIt.Proxy`; access/try_it_relay.py says what it refuses): for
    signed-in users with a credential for the product, to the API's own address at the gateway.
    CSRF-protected like every POST; the answer is JSON the panel shows as text."""
    found = data.visible_api(request.user, slug, api) if settings.CONFIG.try_it_proxy else None
    if found is None or not try_it_access.may_try(request.user, found[0]):
        raise Http404("No such API.")
    product_obj, api_obj = found
    address = gateway.address(product_obj.provider.gateway_url if product_obj.provider else "", api_obj.listen_path)
    if not address:
        raise Http404("No such API.")
    if len(request.body) > try_it_relay.MAX_BODY * 2:
        return JsonResponse({"error": _("The request is too large.")}, status=413)
    try:
        asked = json.loads(request.body)
    except ValueError:
        return JsonResponse({"error": _("The request must be a JSON object.")}, status=400)
    if not isinstance(asked, dict):
        return JsonResponse({"error": _("The request must be a JSON object.")}, status=400)
    try:
        answer = try_it_relay.relay(address, asked)
    except try_it_relay.Refused as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    except httpx.TimeoutException:
        return JsonResponse({"error": _("The gateway did not answer within %(seconds)s seconds.")
                             % {"seconds": f"{try_it_relay.TIMEOUT:g}"}}, status=504)
    except httpx.HTTPError:
        return JsonResponse({"error": _("The gateway could not be reached.")}, status=502)
    return JsonResponse({"status": answer.status, "headers": answer.headers, "body": answer.body,
                         "truncated": answer.truncated})


def _product_context(product_obj: Any) -> dict[str, Any]:
    return {"id": product_obj.pk, "name": product_obj.translated("display_name"), "slug": product_obj.slug,
            "description": product_obj.translated("description"), "url": reverse_live("product", product_obj.slug)}


@require_safe
def spec_docs(request: HttpRequest, slug: str, spec: int) -> HttpResponse:
    """A specification's OpenAPI reference (Tyk's spec details), with the renderer an API's has; it has no
    gateway, so no "Try it" origin is allowed."""
    found = data.visible_spec(request.user, slug, spec)
    summary = documents.describe(found[1].oas_document) if found is not None else None
    if found is None or summary is None:
        raise Http404("No such API documentation.")
    product_obj, spec_obj = found
    name = renderer_name()
    if summary.format == "json" and summary.operations >= LITE_FROM:
        name = "lite"
    script, style = RENDERERS[name]
    spec_name = spec_obj.name or spec_obj.spec_alias
    context = {
        "page": {"title": f"{spec_name} · {product_obj.translated('display_name')}"},
        "product": _product_context(product_obj),
        "api": {"id": spec_obj.pk, "name": spec_name, "api_id": spec_obj.spec_alias, "listen_path": "",
                "auth_type": "", "auth_label": "", "document_url": reverse_live("spec_document", slug, spec_obj.pk),
                "format": summary.format, "operations": summary.operations, "gateway_url": ""},
        "renderer": {"name": name, "script_url": static(script), "style_url": static(style) if style else None},
    }
    response = themes.render(request, "views/api_docs.html", context)
    security_headers.replace(response, {**DOCS_STYLES, **DOCS_EXTRA})
    return response


@require_safe
def spec_document(request: HttpRequest, slug: str, spec: int) -> HttpResponse:
    """A specification's OpenAPI document as stored, as a download (like an API's, without the gateway)."""
    found = data.visible_spec(request.user, slug, spec)
    if found is None or not found[1].oas_document:
        raise Http404("No such API document.")
    product_obj, spec_obj = found
    kind = documents.format_of(spec_obj.oas_document)
    response = HttpResponse(spec_obj.oas_document.encode("utf-8"),
                            content_type="application/json" if kind == "json" else "application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{product_obj.slug}-spec-{spec_obj.pk}.{kind}"'
    response["Content-Security-Policy"] = FILE_CSP
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-cache"
    return response


# The GraphQL playground's files (static/live/vendor/README.md): React's UMD builds, GraphiQL's standalone
# bundle over them, and the portal's own starter, which reads the page's data attributes.
GRAPHIQL_SCRIPTS = ("live/vendor/react/react.production.min.js", "live/vendor/react/react-dom.production.min.js",
                    "live/vendor/graphiql/graphiql.min.js", "live/graphiql-start.js")
GRAPHIQL_STYLE = "live/vendor/graphiql/graphiql.min.css"


def _graphql_page(request: HttpRequest, product_obj: Any, name: str, schema: str, endpoint: str) -> HttpResponse:
    """The GraphiQL playground of a schema: the docs explorer reads the introspection computed here (no
    request to the API); queries go to `endpoint`, allowed by connect-src, or are answered "no endpoint"."""
    introspection = data.graphql_introspection(schema)
    if introspection is None:
        raise Http404("No such GraphQL documentation.")
    context = {
        "page": {"title": f"{name} · {product_obj.translated('display_name')}"},
        "product": _product_context(product_obj),
        "graphql": {"name": name, "endpoint": endpoint, "introspection": introspection,
                    "scripts": [static(path) for path in GRAPHIQL_SCRIPTS], "style_url": static(GRAPHIQL_STYLE)},
    }
    response = themes.render(request, "views/graphql_docs.html", context)
    security_headers.replace(response, {**DOCS_STYLES, **DOCS_EXTRA})
    origin = _gateway_origin(endpoint) if endpoint else ""
    if origin:
        security_headers.extend(response, {"connect-src": [origin]})
    return response


@require_safe
def api_graphql(request: HttpRequest, slug: str, api: int) -> HttpResponse:
    found = data.visible_graphql_api(request.user, slug, api)
    if found is None:
        raise Http404("No such GraphQL documentation.")
    product_obj, api_obj = found
    provider = product_obj.provider
    endpoint = gateway.address(provider.gateway_url if provider is not None else "", api_obj.listen_path)
    return _graphql_page(request, product_obj, api_obj.name, api_obj.shown_graphql_schema, endpoint)


@require_safe
def spec_graphql(request: HttpRequest, slug: str, spec: int) -> HttpResponse:
    found = data.visible_spec(request.user, slug, spec)
    if found is None or not found[1].graphql_schema:
        raise Http404("No such GraphQL documentation.")
    product_obj, spec_obj = found
    return _graphql_page(request, product_obj, spec_obj.name or spec_obj.spec_alias, spec_obj.graphql_schema, "")


# The AsyncAPI reference's files (static/live/vendor/README.md): the AsyncAPI React component's standalone
# bundle (React and the AsyncAPI parser inside), its style sheet, and the portal's own starter.
ASYNCAPI_SCRIPTS = ("live/vendor/asyncapi/asyncapi-standalone.js", "live/asyncapi-start.js")
ASYNCAPI_STYLE = "live/vendor/asyncapi/default.min.css"
# The bundle parses and validates the document in the browser with the AsyncAPI parser, whose validators
# (Ajv, Spectral) are compiled to functions with `new Function`: without 'unsafe-eval' it renders nothing
# (asyncapi-react#725, #741, #1187; checked in tests/test_asyncapi_browser.py). Only this page gets it;
# what it evaluates is code the bundle generates from the vendored schemas, and the document it reads is
# one an admin gave, checked against those schemas when it was saved, served from the portal's origin.
ASYNCAPI_EXTRA = {"script-src": ["'unsafe-eval'"]}


@require_safe
def spec_asyncapi(request: HttpRequest, slug: str, spec: int) -> HttpResponse:
    """A specification's AsyncAPI document, rendered by the AsyncAPI component, which fetches it from the
    download address (it is never written into the page)."""
    found = data.visible_spec(request.user, slug, spec)
    summary = asyncapi.describe(found[1].asyncapi_document) if found is not None else None
    if found is None or summary is None:
        raise Http404("No such AsyncAPI documentation.")
    product_obj, spec_obj = found
    spec_name = spec_obj.name or spec_obj.spec_alias
    context = {
        "page": {"title": f"{spec_name} · {product_obj.translated('display_name')}"},
        "product": _product_context(product_obj),
        "asyncapi": {"name": spec_name, "title": summary.title, "version": summary.version,
                     "asyncapi": summary.asyncapi, "channels": summary.channels, "operations": summary.operations,
                     "format": summary.format,
                     "document_url": reverse_live("spec_asyncapi_document", slug, spec_obj.pk),
                     "scripts": [static(path) for path in ASYNCAPI_SCRIPTS], "style_url": static(ASYNCAPI_STYLE)},
    }
    response = themes.render(request, "views/asyncapi_docs.html", context)
    security_headers.replace(response, {**DOCS_STYLES, **DOCS_EXTRA})
    security_headers.extend(response, ASYNCAPI_EXTRA)
    return response


@require_safe
def spec_asyncapi_document(request: HttpRequest, slug: str, spec: int) -> HttpResponse:
    """A specification's AsyncAPI document as it was given (JSON or YAML), as a download; the AsyncAPI
    component fetches it from here too."""
    found = data.visible_spec(request.user, slug, spec)
    if found is None or not found[1].asyncapi_document:
        raise Http404("No such AsyncAPI document.")
    product_obj, spec_obj = found
    kind = documents.format_of(spec_obj.asyncapi_document)
    response = HttpResponse(spec_obj.asyncapi_document.encode("utf-8"),
                            content_type="application/json" if kind == "json" else "application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{product_obj.slug}-asyncapi-{spec_obj.pk}.{kind}"'
    response["Content-Security-Policy"] = FILE_CSP
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-cache"
    return response


@require_safe
def api_document(request: HttpRequest, slug: str, api: int) -> HttpResponse:
    """The API's OpenAPI document (JSON or YAML), always as a download: the renderer fetches it
    from here, and a browser that opens it never treats it as a page. A JSON document names the
    provider's gateway as its server, when the provider has a Gateway URL (live.gateway).

    Nothing is parsed here: the served form is made once per change (live.served_documents). It
    has an ETag (304 to a browser that has it), is gzipped for a client that accepts it, and is
    `no-cache`: its URL stays while its content can change, so a browser asks each time and mostly
    hears 304. `private`: who may see it depends on the user's catalogues."""
    found = data.visible_api(request.user, slug, api)
    if found is None:
        raise Http404("No such API document.")
    product_obj, api_obj = found
    served = served_documents.for_request(api_obj, product_obj.provider)
    if served is None:
        raise Http404("No such API document.")
    kind = served.kind
    response: HttpResponse
    if _matches(request.headers.get("If-None-Match", ""), served.etag):
        response = HttpResponseNotModified()
    else:
        gzipped = _accepts_gzip(request.headers.get("Accept-Encoding", ""))
        content_type = "application/json" if kind == "json" else "application/yaml; charset=utf-8"
        response = HttpResponse(served_documents.content(served, gzipped), content_type=content_type)
        if gzipped:
            response["Content-Encoding"] = "gzip"
        response["Content-Disposition"] = f'attachment; filename="{product_obj.slug}-{api_obj.pk}.{kind}"'
        response["Content-Security-Policy"] = FILE_CSP
        response["X-Content-Type-Options"] = "nosniff"
    response["ETag"] = served.etag
    response["Cache-Control"] = "private, no-cache"
    response["Vary"] = "Accept-Encoding, Cookie"
    return response


def _matches(if_none_match: str, etag: str) -> bool:
    """If-None-Match's weak comparison (RFC 9110 13.1.2): `*` or any tag equal but for W/."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    wanted = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == wanted for tag in if_none_match.split(","))


def _accepts_gzip(accept_encoding: str) -> bool:
    """Whether Accept-Encoding allows gzip (listed without q=0)."""
    for item in accept_encoding.lower().split(","):
        coding, _sep, params = item.strip().partition(";")
        if coding.strip() in ("gzip", "x-gzip", "*"):
            quality = params.strip().removeprefix("q=").strip() if params.strip().startswith("q=") else "1"
            try:
                return float(quality) > 0
            except ValueError:
                return False
    return False


def _product_image(request: HttpRequest, slug: str, kind: str) -> FileResponse:
    """A visible product's logo or preview image (uploads are kept outside any public folder, so they are
    served here), as the type its bytes were checked to be (forecourt.catalog.images)."""
    found = visible_products(request.user).filter(slug=slug).only("pk", kind).first()
    image = getattr(found, kind) if found is not None else None
    content_type = images.content_type(image.name or "") if image else None
    if image is None or content_type is None:
        raise Http404("No such image.")
    try:
        file = image.open("rb")
    except OSError:
        raise Http404("No such image.") from None
    response = FileResponse(file, content_type=content_type)
    response["Content-Security-Policy"] = FILE_CSP
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=300"
    return response


@require_safe
def product_logo(request: HttpRequest, slug: str) -> FileResponse:
    return _product_image(request, slug, "logo")


@require_safe
def product_preview(request: HttpRequest, slug: str) -> FileResponse:
    return _product_image(request, slug, "preview")
