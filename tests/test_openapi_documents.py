"""A product API's OpenAPI document: checked (forecourt.catalog.documents), uploaded, pasted or imported
from a URL in the Admin Portal (through the SSRF guard), and read and written through the Admin API.

URL imports are tested against a real HTTP server on 127.0.0.1, which only the operator's
DocumentImport.AllowPrivateTargets lets the portal reach; by default it and every private, link-local
and metadata address are refused before anything is sent.
"""

import http.server
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from forecourt.catalog import document_import, documents
from forecourt.catalog.models import ProductAPI
from forecourt.jobs.models import Job
from forecourt.providers import push

from . import factories
from .test_adminportal import sign_in

PETS_30 = """\
openapi: 3.0.3
info:
  title: Pets
  version: 1.2.0
paths:
  /pets:
    get:
      summary: List the pets
      responses:
        '200':
          description: The pets
    post:
      responses:
        '201':
          description: Made
  /pets/{id}:
    parameters:
      - name: id
        in: path
        required: true
        schema: {type: string}
    get:
      responses:
        '200':
          description: One pet
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Pet'
components:
  schemas:
    Pet: {type: object}
"""

STORE_31 = json.dumps({
    "openapi": "3.1.0",
    "info": {"title": "Store", "version": "2026-01"},
    "paths": {"/orders": {"get": {"responses": {"200": {"description": "Orders"}}}, "delete": {}}},
    "webhooks": {"newOrder": {"post": {"responses": {"200": {"description": "ok"}}}}},
}, indent=2)

# Line 8 is `    get:`, whose responses are missing; line 14 is the parameter without `schema` or `content`.
BROKEN_30 = """\
openapi: 3.0.3
info:
  title: Broken
  version: '1'
paths:
  /pets:
    get:
      summary: No responses
    post:
      responses:
        '200':
          description: ok
      parameters:
        - name: q
          in: query
"""

SWAGGER_20 = """\
swagger: "2.0"
info:
  title: Old
  version: "1"
paths: {}
"""


def problems(text: str) -> list[str]:
    with pytest.raises(documents.InvalidDocument) as caught:
        documents.check(text)
    return caught.value.messages


# -- the rule --------------------------------------------------------------------------------------

def test_a_valid_openapi_30_yaml_document_is_summarised_with_its_operations():
    summary = documents.check(PETS_30)
    assert (summary.title, summary.version, summary.openapi, summary.operations, summary.format) == \
        ("Pets", "1.2.0", "3.0.3", 3, "yaml")
    assert str(summary) == "“Pets” 1.2.0 (OpenAPI 3.0.3), 3 operations"


def test_a_valid_openapi_31_json_document_counts_paths_but_not_webhooks():
    summary = documents.check(STORE_31)  # 3.1: an operation without responses is valid
    assert (summary.title, summary.openapi, summary.operations, summary.format) == ("Store", "3.1.0", 2, "json")


def test_a_path_item_that_is_a_reference_is_followed_when_counting():
    doc = json.loads(STORE_31)
    doc["components"] = {"pathItems": {"Orders": doc["paths"]["/orders"]}}
    doc["paths"]["/again"] = {"$ref": "#/components/pathItems/Orders"}
    assert documents.check(json.dumps(doc)).operations == 4


def test_swagger_20_is_refused_with_what_it_is_and_what_to_do():
    assert problems(SWAGGER_20) == [
        ("line 1, column 1: this is a Swagger 2.0 document; the portal takes OpenAPI 3.0 or 3.1: convert it first "
        "(e.g. the Swagger Editor's \"Convert to OpenAPI 3\")")]


def test_missing_required_fields_are_named_with_their_line():
    assert problems(BROKEN_30) == [
        "line 7, column 5: paths./pets.get.responses is required",
        ("line 14, column 11: paths./pets.post.parameters[0]: matches none of the forms allowed here: it needs "
        "content or schema"),
    ]


def test_json_problems_have_lines_too():
    text = '{\n  "openapi": "3.1.0",\n  "info": {\n    "title": "T"\n  },\n  "paths": {}\n}'
    assert problems(text) == ["line 3, column 3: info.version is required"]


def test_json_and_yaml_syntax_errors_have_their_line_and_column():
    assert problems('{\n  "openapi": "3.0.0",\n  "info": {,}\n}') == [
        "line 3, column 12: not valid JSON: Expecting property name enclosed in double quotes"]
    assert problems("openapi: 3.0.0\ninfo:\n  title: [unclosed\n  version: 1\n") == [
        "line 4, column 10: not valid YAML: while parsing a flow sequence did not find expected ',' or ']'"]


def test_a_reference_to_nothing_is_found():
    text = PETS_30.replace("#/components/schemas/Pet'", "#/components/schemas/Cat'")
    assert problems(text) == [
        ("line 29, column 17: paths./pets/{id}.get.responses.200.content.application/json.schema.$ref: "
        "#/components/schemas/Cat points to nothing in the document")]


@pytest.mark.parametrize(("text", "expected"), [
    ("", "the document is empty"),
    ("- a\n- b\n", "line 1, column 1: an OpenAPI document is an object (a mapping of fields) at the top level"),
    ("openapi: 3.1\ninfo: {}\n", ("line 1, column 1: openapi: must be text such as \"3.0.3\", not 3.1 (in YAML, "
                                 "quote it)")),
    ("openapi: '3.2.0'\n", ("line 1, column 1: openapi: OpenAPI 3.2.0 is not supported; the portal takes 3.0.x "
                           "and 3.1.x")),
    ("info: {title: x}\n", ("line 1, column 1: not an OpenAPI document: it has no `openapi` field (e.g. openapi: "
                           "3.1.0)")),
    ("a: &a [*a]\n", "line 1, column 4: a YAML alias refers to a value that contains it"),
])
def test_what_is_not_an_openapi_document_says_why(text, expected):
    assert problems(text) == [expected]


def test_yaml_aliases_may_not_expand_a_document_past_the_limit():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1},"
              f" *a{i - 1}, *a{i - 1}]" for i in range(1, 9)]  # 10**9 values in nine lines
    found = problems("\n".join(lines) + "\n")
    assert len(found) == 1 and "YAML aliases expand it to more than 2,000,000 values" in found[0]


def test_too_large_and_binary_uploads_are_refused_unread():
    big = SimpleUploadedFile("big.json", b" " * (documents.MAX_BYTES + 1))
    with pytest.raises(documents.InvalidDocument, match=r"the document is 5\.0 MB; the limit is 5 MB"):
        documents.read_upload(big)
    with pytest.raises(documents.InvalidDocument, match="not UTF-8 text"):
        documents.decode(b"openapi: \xff\xfe\x00")
    assert documents.decode("openapi: 3.0.0".encode("utf-16")) == "openapi: 3.0.0"  # with its byte-order mark


def test_more_problems_than_can_be_shown_are_counted():
    paths = {f"/p{i}": {"get": {}} for i in range(25)}
    doc = {"openapi": "3.0.3", "info": {"title": "x", "version": "1"}, "paths": paths}
    found = problems(json.dumps(doc, indent=1))
    assert len(found) == documents.MAX_PROBLEMS + 1 and found[-1] == "... and 5 more problems."


# -- the Admin Portal ------------------------------------------------------------------------------

def _api(**fields) -> ProductAPI:
    product = fields.pop("product", None) or factories.product(provider=factories.provider())
    return ProductAPI.objects.create(**{"product": product, "name": "Pets API", "api_id": "pets",
                                        "listen_path": "/pets/", "auth_type": "authToken", **fields})


def _form(api: ProductAPI, **changes) -> dict:
    data = {"product": api.product_id, "name": api.name, "api_id": api.api_id, "listen_path": api.listen_path,
            "auth_type": api.auth_type, "oas_document": api.oas_document, "document_source": api.document_source}
    return {**data, **changes}


def _edit(client, api: ProductAPI, **changes):
    return client.post(f"/portal-admin/product-apis/{api.pk}/", _form(api, **changes), follow=True)


@pytest.mark.django_db
def test_an_uploaded_file_becomes_the_portal_document_and_the_products_push_is_queued(client, admin):
    api = _api(gateway_document=STORE_31)
    sign_in(client, admin.email)
    response = _edit(client, api, document_file=SimpleUploadedFile("pets.yaml", PETS_30.encode()))
    assert response.status_code == 200
    assert "Its OpenAPI document: “Pets” 1.2.0 (OpenAPI 3.0.3), 3 operations." in response.content.decode()
    api.refresh_from_db()
    assert api.oas_document == PETS_30 and api.gateway_document == STORE_31  # the gateway's is untouched
    assert Job.objects.filter(name=push.JOB).count() == 1


@pytest.mark.django_db
def test_an_invalid_upload_shows_each_problem_with_its_line_and_changes_nothing(client, admin):
    api = _api(oas_document=PETS_30)
    sign_in(client, admin.email)
    response = _edit(client, api, document_file=SimpleUploadedFile("broken.yaml", BROKEN_30.encode()))
    page = response.content.decode()
    assert response.status_code == 200 and "problems need fixing" not in page  # one field: one problem...
    assert "2 problems, listed under it" in page
    assert "<li>line 7, column 5: paths./pets.get.responses is required</li>" in page
    api.refresh_from_db()
    assert api.oas_document == PETS_30
    assert not Job.objects.filter(name=push.JOB).exists()

    swagger = _edit(client, api, document_file=SimpleUploadedFile("old.yaml", SWAGGER_20.encode()))
    assert "this is a Swagger 2.0 document" in swagger.content.decode()


@pytest.mark.django_db
def test_a_pasted_document_is_checked_and_an_unchanged_one_is_left_alone(client, admin):
    api = _api(oas_document="not: [checked")  # stored before documents were checked
    sign_in(client, admin.email)
    renamed = _edit(client, api, name="Pets v2", oas_document=api.oas_document.replace("\n", "\r\n"))
    assert "Product API “Pets v2” saved." in renamed.content.decode()
    pasted = _edit(client, api, name="Pets v2", oas_document=BROKEN_30.replace("\n", "\r\n"))
    assert "line 7, column 5: paths./pets.get.responses is required" in pasted.content.decode()
    good = _edit(client, api, name="Pets v2", oas_document=STORE_31)
    assert "“Store” 2026-01 (OpenAPI 3.1.0), 2 operations" in good.content.decode()
    api.refresh_from_db()
    assert (api.name, api.oas_document) == ("Pets v2", STORE_31)


@pytest.mark.django_db
def test_the_edit_page_says_which_document_is_shown_with_its_operations_and_whether_the_gateway_has_one(
        client, admin):
    api = _api(oas_document=PETS_30)
    sign_in(client, admin.email)
    page = client.get(f"/portal-admin/product-apis/{api.pk}/").content.decode()
    assert "Shown now: the portal&#x27;s document, “Pets” 1.2.0 (OpenAPI 3.0.3), 3 operations." in page
    assert 'value="None: the gateway has not provided one."' in page and "disabled" in page

    ProductAPI.objects.filter(pk=api.pk).update(gateway_document=STORE_31, document_source="gateway")
    page = client.get(f"/portal-admin/product-apis/{api.pk}/").content.decode()
    assert "Shown now: the gateway&#x27;s document, “Store” 2026-01 (OpenAPI 3.1.0), 2 operations." in page
    assert 'value="Present: “Store” 2026-01 (OpenAPI 3.1.0), 2 operations."' in page


@pytest.mark.django_db
def test_auth_type_is_a_choice_of_the_known_types_keeping_an_unknown_one(client, admin):
    api = _api(auth_type="customPluginAuth")
    sign_in(client, admin.email)
    page = client.get(f"/portal-admin/product-apis/{api.pk}/").content.decode()
    assert '<option value="jwt">JWT</option>' in page
    assert '<option value="customPluginAuth" selected>customPluginAuth (not a type the Live Portal knows)' in page
    assert "Product API “Pets API” saved." in _edit(client, api).content.decode()
    assert "Select a valid choice" in _edit(client, api, auth_type="madeUp").content.decode()
    _edit(client, api, auth_type="oauth2")
    api.refresh_from_db()
    assert api.auth_type == "oauth2"


@pytest.mark.django_db
def test_a_new_api_with_a_document_goes_to_the_portal_document(client, admin):
    product = factories.product()
    sign_in(client, admin.email)
    response = client.post("/portal-admin/product-apis/new/", {
        "product": product.pk, "name": "Store", "auth_type": "", "document_source": "portal",
        "document_file": SimpleUploadedFile("store.json", STORE_31.encode())}, follow=True)
    assert "Product API “Store” created. Its OpenAPI document: “Store” 2026-01" in response.content.decode()
    api = ProductAPI.objects.get(product=product)
    assert (api.oas_document, api.gateway_document) == (STORE_31, "")


# -- URL import through the SSRF guard --------------------------------------------------------------

Route = Callable[[http.server.BaseHTTPRequestHandler], None]


@contextmanager
def http_server(routes: dict[str, Route]) -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 answering `routes` (path -> handler); yields its base URL."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            route = routes.get(self.path)
            if route is None:
                self.send_error(404, "Not Found")
                return
            route(self)

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def body(text: str | bytes, content_type: str = "application/yaml", length: int | None = None) -> Route:
    data = text.encode() if isinstance(text, str) else text

    def answer(handler: http.server.BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(data) if length is None else length))
        handler.end_headers()
        handler.wfile.write(data)
    return answer


def redirect(location: str) -> Route:
    def answer(handler: http.server.BaseHTTPRequestHandler) -> None:
        handler.send_response(302)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()
    return answer


def streamed(chunks: int, chunk: bytes, pause: float = 0.0) -> Route:
    """A body of unknown length (no Content-Length, so the connection's end ends it)."""
    def answer(handler: http.server.BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.end_headers()
        try:
            for _ in range(chunks):
                handler.wfile.write(chunk)
                handler.wfile.flush()
                time.sleep(pause)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the portal gave up, as it should
        handler.close_connection = True
    return answer


@pytest.fixture
def private_targets_allowed(settings):
    settings.DOCUMENT_IMPORT_ALLOW_PRIVATE_TARGETS = True


@pytest.mark.django_db
def test_a_document_is_imported_from_a_url_following_a_redirect(client, admin, private_targets_allowed):
    api = _api(gateway_document=STORE_31)
    sign_in(client, admin.email)
    with http_server({"/pets.yaml": body(PETS_30), "/latest": redirect("/pets.yaml")}) as base:
        response = _edit(client, api, document_url=f"{base}/latest")
    assert "Its OpenAPI document: “Pets” 1.2.0 (OpenAPI 3.0.3), 3 operations." in response.content.decode()
    api.refresh_from_db()
    assert (api.oas_document, api.gateway_document) == (PETS_30, STORE_31)
    assert Job.objects.filter(name=push.JOB).count() == 1


def test_each_import_failure_says_what_went_wrong(private_targets_allowed, monkeypatch):
    html = "<!doctype html>\n<html><body>Sign in</body></html>\n"
    routes = {
        "/page": body(html, "text/html"),
        "/declared-too-large": body(b"{}", length=documents.MAX_BYTES + 1),
        "/too-large": streamed(6, b" " * (1024 * 1024)),
        "/slow": streamed(20, b" ", pause=0.3),
        "/to-metadata": redirect("http://169.254.169.254/latest/meta-data/"),
        "/loop": redirect("/loop"),
    }
    with http_server(routes) as base:
        with pytest.raises(document_import.ImportFailed, match=r"^127\.0\.0\.1 answered HTTP 404 Not Found\.$"):
            document_import.fetch(f"{base}/missing")
        with pytest.raises(document_import.ImportFailed, match=r"^Too large: the document is 5\.0 MB; the limit"):
            document_import.fetch(f"{base}/declared-too-large")
        with pytest.raises(document_import.ImportFailed, match=r"^Too large: the document is over 5 MB\.$"):
            document_import.fetch(f"{base}/too-large")
        with pytest.raises(document_import.ImportFailed, match=r"^Refused by the SSRF guard: 169\.254\.169\.254 is "
                                                              r"a cloud metadata address; documents are never"):
            document_import.fetch(f"{base}/to-metadata")
        with pytest.raises(document_import.ImportFailed, match=r"^More than 5 redirects: giving up\.$"):
            document_import.fetch(f"{base}/loop")
        monkeypatch.setattr(document_import, "DEADLINE", 1.0)
        with pytest.raises(document_import.ImportFailed, match=r"took more than 1 seconds to send the document"):
            document_import.fetch(f"{base}/slow")
        page = document_import.fetch(f"{base}/page")  # fetched: the rule then says it is not OpenAPI
    with pytest.raises(documents.InvalidDocument, match="line 1, column 1: an OpenAPI document is an object"):
        documents.check(page)
    closed = base  # the server is gone: nothing listens there now
    with pytest.raises(document_import.ImportFailed, match=r"^Could not reach 127\.0\.0\.1: "):
        document_import.fetch(f"{closed}/pets.yaml")


@pytest.mark.django_db
def test_a_url_that_is_not_openapi_is_refused_on_the_url_field(client, admin, private_targets_allowed):
    api = _api()
    sign_in(client, admin.email)
    with http_server({"/old": body(SWAGGER_20)}) as base:
        response = _edit(client, api, document_url=f"{base}/old")
    page = response.content.decode()
    assert 'id="id_document_url_error">line 1, column 1: this is a Swagger 2.0 document' in page
    api.refresh_from_db()
    assert api.oas_document == ""


@pytest.mark.parametrize(("url", "why"), [
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a cloud metadata address"),
    ("http://10.0.0.8/openapi.json", "10.0.0.8 is a private address"),
    ("http://127.0.0.1:9/openapi.json", "127.0.0.1 is a loopback address"),
    ("http://0x7f.1/openapi.json", "0x7f.1 is 127.0.0.1, a loopback address"),
    ("http://[::ffff:192.168.1.1]/openapi.json", "::ffff:192.168.1.1 is a private address"),
])
def test_private_and_metadata_addresses_are_refused_by_default(settings, url, why):
    assert settings.DOCUMENT_IMPORT_ALLOW_PRIVATE_TARGETS is False  # the default
    with pytest.raises(document_import.ImportFailed) as caught:
        document_import.fetch(url)
    assert str(caught.value).startswith(f"Refused by the SSRF guard: {why};")
    assert "DocumentImport.AllowPrivateTargets" in str(caught.value) or "never" in str(caught.value)


def test_metadata_addresses_stay_refused_when_private_ones_are_allowed(private_targets_allowed):
    with pytest.raises(document_import.ImportFailed, match="a cloud metadata address; documents are never imported"):
        document_import.fetch("http://169.254.169.254/latest/meta-data/")


@pytest.mark.django_db
def test_the_admin_portal_refuses_a_private_url_by_default(client, admin):
    api = _api()
    sign_in(client, admin.email)
    with http_server({"/pets.yaml": body(PETS_30)}) as base:
        response = _edit(client, api, document_url=f"{base}/pets.yaml")
    assert "Refused by the SSRF guard: 127.0.0.1 is a loopback address" in response.content.decode()
    api.refresh_from_db()
    assert api.oas_document == ""


@pytest.mark.django_db
def test_a_file_and_a_url_together_are_refused(client, admin):
    api = _api()
    sign_in(client, admin.email)
    response = _edit(client, api, document_url="https://example.com/openapi.json",
                     document_file=SimpleUploadedFile("pets.yaml", PETS_30.encode()))
    assert "Upload a file or give a URL, not both." in response.content.decode()


# -- the Admin API ---------------------------------------------------------------------------------

@pytest.fixture
def call(client, admin):
    """Call the Admin API as the super-admin, with a raw body of any type."""
    from forecourt.accounts import tokens

    headers = {"Authorization": tokens.issue(admin)}

    def send(method, path, data=None, content_type="application/json", **params):
        query = "?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else ""
        kwargs = {"headers": headers}
        if data is not None:
            kwargs.update(data=data, content_type=content_type)
        return getattr(client, method)(f"/portal-api{path}{query}", **kwargs)

    return send


def _oas(product_id: int, api_id: str = "pets") -> str:
    return f"/products/{product_id}/api-details/{api_id}/oas"


@pytest.mark.django_db
def test_the_admin_api_puts_gets_and_deletes_the_portal_document(call):
    product_api = _api(gateway_document=STORE_31)
    path = _oas(product_api.product_id)

    put = call("put", path, PETS_30, "application/yaml")
    assert put.status_code == 200, put.content
    assert put.json() == {"Title": "Pets", "Version": "1.2.0", "OpenAPI": "3.0.3", "Operations": 3,
                          "Format": "yaml", "DocumentShown": "portal"}
    product_api.refresh_from_db()
    assert (product_api.oas_document, product_api.gateway_document) == (PETS_30, STORE_31)
    assert Job.objects.filter(name=push.JOB).count() == 1

    shown = call("get", path)
    assert (shown.status_code, shown["Document-Source"], shown.content.decode()) == (200, "portal", PETS_30)
    assert shown["Content-Type"].startswith("application/yaml")
    gateway = call("get", path, source="gateway")
    assert (gateway["Document-Source"], gateway["Content-Type"], gateway.content.decode()) == \
        ("gateway", "application/json", STORE_31)

    assert call("delete", path).json() == {"status": "ok"}
    product_api.refresh_from_db()
    assert (product_api.oas_document, product_api.gateway_document) == ("", STORE_31)
    assert call("get", path)["Document-Source"] == "gateway"
    assert call("get", path, source="portal").status_code == 404


@pytest.mark.django_db
def test_the_admin_api_refuses_an_invalid_document_with_its_lines(call):
    product_api = _api(oas_document=PETS_30)
    response = call("put", _oas(product_api.product_id), BROKEN_30, "application/yaml")
    assert response.status_code == 422
    assert response.json() == {"status": "error", "errors": [
        "line 7, column 5: paths./pets.get.responses is required",
        ("line 14, column 11: paths./pets.post.parameters[0]: matches none of the forms allowed here: it needs "
        "content or schema")]}
    assert call("put", _oas(product_api.product_id), SWAGGER_20).json()["errors"][0].startswith(
        "line 1, column 1: this is a Swagger 2.0 document")
    assert call("put", _oas(product_api.product_id), b"\xff\xfe\x00x").status_code == 422
    nul = call("put", _oas(product_api.product_id), json.dumps({"openapi": "3.0.3", "info": {"title": "\x00"}}))
    assert nul.json()["errors"] == ["info.title: contains a NUL character, which cannot be stored"]
    product_api.refresh_from_db()
    assert product_api.oas_document == PETS_30
    assert not Job.objects.filter(name=push.JOB).exists()


@pytest.mark.django_db
def test_the_admin_api_takes_an_uploaded_file_as_tyk_does(client, admin):
    from forecourt.accounts import tokens

    product_api = _api()
    response = client.post(f"/portal-api{_oas(product_api.product_id)}",
                           {"file": SimpleUploadedFile("store.json", STORE_31.encode())},
                           headers={"Authorization": tokens.issue(admin)})
    assert response.status_code == 200, response.content
    assert response.json()["Operations"] == 2 and response.json()["Format"] == "json"
    product_api.refresh_from_db()
    assert (product_api.oas_document, product_api.gateway_document) == (STORE_31, "")
    assert Job.objects.filter(name=push.JOB).count() == 1


@pytest.mark.django_db
def test_the_admin_api_answers_404_for_an_unknown_api_or_a_missing_document(call):
    product_api = _api()
    assert call("get", _oas(product_api.product_id, "nope")).status_code == 404
    assert call("put", _oas(product_api.product_id, "nope"), PETS_30).status_code == 404
    missing = call("get", _oas(product_api.product_id))
    assert (missing.status_code, missing.json()["errors"]) == (404, ["the API has no OpenAPI document"])


@pytest.mark.django_db
def test_a_document_of_several_megabytes_fits_through_the_api_and_the_form(call, client, admin):
    """Request bodies may carry a 5 MB document (DATA_UPLOAD_MAX_MEMORY_SIZE), and the edit form carries
    it back in its text area."""
    paths = {f"/things{i}/{{id}}": {"get": {"parameters": [
        {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "One of the things, with a long description " + "x" * 200}}}}
        for i in range(12000)}
    text = json.dumps({"openapi": "3.0.3", "info": {"title": "Big", "version": "1"}, "paths": paths})
    assert 4 * 1024 * 1024 < len(text) < documents.MAX_BYTES
    product_api = _api()
    assert call("put", _oas(product_api.product_id), text).json()["Operations"] == 12000
    sign_in(client, admin.email)
    product_api.refresh_from_db()
    assert "Product API “Renamed” saved." in _edit(client, product_api, name="Renamed").content.decode()
