"""/portal-api/products, their APIs, images, specifications and getting-started documents, as in Tyk's portal API.

Divergences from Tyk, on purpose:

* A product's APIs come from its provider's policy (synchronisation): `APIDetails` is read-only in a
  product's body. `PUT /products/{id}/api-details/{api_id}` renames one (a sync renames it again) or
  imports its portal document from `OASUrl`; Tyk's `Description`, `Status` and `TargetURL` are ignored,
  and `APIDetails` items have none of them.
* `Logo` and `Preview` are the Admin API paths serving the images (`/products/{id}/logo`, `/preview`);
  uploads are PNG, JPEG, GIF or WebP by content (forecourt.catalog.images), SVG refused.
* `/products/{id}/spec-details` (Tyk's specifications without a provider API): `CID` is ignored; `OASUrl`
  is fetched when sent changed and kept; documents follow the API documents' rules below. GraphQL schemas:
  forecourt.api.routers.graphql_schemas.
* An API's OpenAPI document, `/products/{id}/api-details/{api_id}/oas` (Tyk's paths): `GET` answers
  the document the Live Portal shows, as it is stored (JSON or YAML; `?source=portal` or `gateway`
  for one of the two), 404 when there is none (Tyk: 422); `POST` uploads one (multipart field
  `file`, as in Tyk) and `PUT` (Forecourt's own) takes it as the raw request body; both check it
  (forecourt.catalog.documents: OpenAPI 3.0 or 3.1, at most 5 MB), answer 422 with every problem
  and its line, or store it as the portal's document (never the gateway's, which only the sync
  writes) and answer its title, version and operation count (Tyk answers an empty 200). `DELETE`
  removes the portal's document. Saving queues the product's policy push, as the Admin Portal does.
* `Tags` are names (strings) both ways; Tyk takes tag IDs on write. A tag may not contain a comma.
* `ProviderID` is optional (a product may be made by hand); `Path` is derived from the display
  name when left out; `DisplayName` defaults to `Name`
  and `Name` to `DisplayName` (portal-go creates with `DisplayName` only).
* `Published` (Forecourt's own) says whether the Live Portal shows the product; `Featured` (Forecourt's
  own) whether its home page lists it among the featured products, to those who may see it.
* `AuthTypes` are the distinct auth types of the product's APIs; `AuthType` is the one they
  share, empty when they differ or there are none.
* Documents are Markdown: `Content` is the Markdown (`MarkdownEnabled` is always true). A
  document sent with `MarkdownEnabled` and `MarkdownContent` (Tyk's Markdown editor) uses
  `MarkdownContent`. `Position` (Forecourt's own) orders them; documents have no status, lede,
  path, categories, tags or timestamps. Creating one answers with the document (Tyk echoes the
  request). `POST .../docs/reorder` answers `{"status": "ok"}`.
* `DELETE` refuses (409) a product that access requests use.
"""

import json
from typing import Annotated, Any, Literal

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Prefetch, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.text import slugify
from ninja import Body, Field, File, Router, Status
from ninja.files import UploadedFile
from ninja.renderers import JSONRenderer

from forecourt.catalog import documents, images
from forecourt.catalog.models import Catalogue, Product, ProductAPI, ProductDoc, ProductSpec
from forecourt.catalog.services import default_names
from forecourt.ops import unstorable
from forecourt.pagecache import fragments

from .. import forms, translations
from ..common import ERRORS, MAX_ID, Id, PagingQuery, PathId, StatusOut, actor, page_of, tyk_time
from ..compat import TykIn, note_ignored
from ..schemas_base import Out
from .catalogues import set_membership

router = Router(tags=["products"])


# API field -> ProductForm field.
FIELDS = {"Name": "name", "DisplayName": "display_name", "Path": "slug", "Description": "description",
          "Content": "content", "IsDocumentationOnly": "documentation_only", "Published": "published",
          "Featured": "featured", "ProviderID": "provider", "ReferenceID": "reference_id"}
NAMES = translations.names({form: api for api, form in FIELDS.items()} | {"tags": "Tags", "logo": "Logo",
                                                                            "preview": "Preview"})
DOC_NAMES = translations.names({"title": "Title", "content": "Content", "position": "Position", "product": "ProductID"})
TRANSLATED = translations.TranslatedFields(Product, FIELDS)
DOC_TRANSLATED = translations.TranslatedFields(ProductDoc, {"Title": "title", "Content": "content"})


class APIDetail(Out):
    APIID: str = Field(description="The API's ID at the provider.")
    APIType: str = Field(description="Its authentication type, e.g. `authToken`.")
    ListenPath: str
    Name: str


class ProductSummary(Out):
    ID: int
    Name: str = Field(description="The name at the provider.")
    DisplayName: str
    Path: str = Field(description="Its address in the Live Portal: /portal/catalogue-products/<Path>.")
    ReferenceID: str = Field(description="The provider policy it mirrors; empty for none.")
    ProviderID: int | None
    IsDocumentationOnly: bool
    Published: bool = Field(description="Whether the Live Portal shows it (Forecourt's own).")
    Featured: bool = Field(description="Whether the Live Portal's home page shows it among the featured products, "
                                       "to those who may see it (Forecourt's own).")
    AuthType: str = Field(description="The auth type its APIs share; empty when they differ or it has none.")
    AuthTypes: list[str]
    APIDetails: list[APIDetail]
    Translations: translations.Translations = translations.answer_field(TRANSLATED)


class ProductOut(ProductSummary):
    Description: str = Field(description="Shown on its catalogue card.")
    Content: str = Field(description="Markdown shown on its page.")
    Logo: str = Field(description="Where the Admin API serves its logo (`GET /products/{id}/logo`); empty for none.")
    Preview: str = Field(description="Where the Admin API serves its preview image (`GET /products/{id}/preview`); "
                                     "empty for none.")
    Tags: list[str]
    Catalogues: list[str] = Field(description="The names of the catalogues it is in.")
    PushState: str = Field(description="Forecourt's own: whether the portal's changes reached the provider's "
                           "policy: \"\" (they did, or nothing to write), \"pending\" or \"failed\".")
    PushError: str = Field(description="Forecourt's own: why writing the policy failed; empty if it did not.")
    SyncProblem: str = Field(description="Forecourt's own: why the last sync could not read its provider policy "
                             "(it keeps its last good state and stays published); empty if it could.")
    SyncProblemSince: str | None = Field(description="Forecourt's own: since when the policy cannot be read.")
    CreatedAt: str | None
    UpdatedAt: str | None


class ProductIn(TykIn):
    TYK_IGNORED = frozenset({"ID", "CID", "APIDetails", "AuthType", "AuthTypes", "DCREnabled", "Feature", "Scopes",
                             "Templates", "SpecDetails", "Logo", "Preview", "CreatedAt", "UpdatedAt"})
    READ_ONLY = frozenset({"PushState", "PushError", "SyncProblem", "SyncProblemSince"})
    Name: str | None = Field(None, description="New products: `DisplayName`.")
    DisplayName: str | None = Field(None, description="New products: `Name`.")
    Path: str | None = Field(None, description="A slug; new products: from `DisplayName`.")
    Description: str | None = None
    Content: str | None = Field(None, description="Markdown.")
    Tags: list[str] | None = Field(None, description="Tag names; they replace the product's tags.")
    IsDocumentationOnly: bool | None = None
    Published: bool | None = Field(None, description="Forecourt's own; new products: false.")
    Featured: bool | None = Field(None, description="Forecourt's own: shown on the home page; new products: false.")
    Translations: translations.Translations | None = translations.body_field(TRANSLATED)
    ProviderID: Id | None = Field(None, description="null: none.")
    ReferenceID: str | None = Field(None, description="The provider policy it mirrors; null: none.")
    Catalogues: list[Id | str] | None = Field(None, description="Catalogue IDs (numbers or digit strings): the "
                                                                  "product is in exactly these. The names a GET "
                                                                  "answers are accepted unchanged, and change "
                                                                  "nothing.")


class DocOut(Out):
    ID: int
    ProductID: int
    Title: str
    Content: str = Field(description="Markdown.")
    MarkdownEnabled: bool = Field(description="Always true: documents are Markdown.")
    Position: int = Field(description="Documents are shown by ascending position (Forecourt's own).")
    Translations: translations.Translations = translations.answer_field(DOC_TRANSLATED)


class DocIn(TykIn):
    TYK_IGNORED = frozenset({"ID", "Status", "Lede", "Path", "Categories", "Tags", "PreviewContent", "Type",
                             "CreatedAt", "UpdatedAt", "ProductID"})
    Title: str | None = None
    Content: str | None = Field(None, description="Markdown.")
    MarkdownEnabled: bool | None = Field(None, description="With `MarkdownContent`: use that as the content.")
    MarkdownContent: str | None = None
    Position: Annotated[int, Field(ge=0, le=MAX_ID)] | None = Field(None, description="New documents: last.")
    Translations: translations.Translations | None = translations.body_field(DOC_TRANSLATED)


# Products


def _queryset() -> QuerySet[Product]:
    return Product.objects.prefetch_related(
        Prefetch("apis", ProductAPI.objects.only("pk", "product_id", "api_id", "name", "listen_path", "auth_type")
                 .order_by("name", "pk")))


def _api(api: ProductAPI) -> APIDetail:
    return APIDetail(APIID=api.api_id, APIType=api.auth_type, ListenPath=api.listen_path, Name=api.name)


def _summary_fields(product: Product) -> dict[str, Any]:
    apis = list(product.apis.all())
    auth_types = sorted({a.auth_type for a in apis if a.auth_type})
    return {"ID": product.pk, "Name": product.name, "DisplayName": product.display_name, "Path": product.slug,
            "ReferenceID": product.reference_id or "", "ProviderID": product.provider_id,
            "IsDocumentationOnly": product.documentation_only, "Published": product.published,
            "Featured": product.featured, "AuthType": auth_types[0] if len(auth_types) == 1 else "",
            "AuthTypes": auth_types,
            "APIDetails": [_api(a) for a in apis], "Translations": TRANSLATED.answer(product)}


def _image_path(product: Product, kind: str) -> str:
    return f"/portal-api/products/{product.pk}/{kind}" if getattr(product, kind) else ""


def _full(product_id: PathId) -> ProductOut:
    product = get_object_or_404(_queryset(), pk=product_id)
    return ProductOut(
        **_summary_fields(product), Description=product.description, Content=product.content,
        Logo=_image_path(product, "logo"), Preview=_image_path(product, "preview"), Tags=list(product.tags or []),
        Catalogues=list(Catalogue.objects.filter(products=product).order_by("name").values_list("name", flat=True)),
        PushState=product.push_state, PushError=product.push_error, SyncProblem=product.sync_problem,
        SyncProblemSince=tyk_time(product.sync_problem_since),
        CreatedAt=tyk_time(product.created_at), UpdatedAt=tyk_time(product.updated_at),
    )


def _changes(payload: ProductIn, product: Product | None) -> dict[str, Any]:
    """The request as ProductForm data; what is missing keeps its value, null clears a provider or policy."""
    sent = payload.model_fields_set
    changes = {field: getattr(payload, api) for api, field in FIELDS.items()
               if getattr(payload, api) is not None or (api in ("ProviderID", "ReferenceID") and api in sent)}
    if product is None:
        changes["name"], changes["display_name"] = default_names(changes.get("name"), changes.get("display_name"))
        if "slug" not in changes:
            changes["slug"] = slugify(changes.get("display_name") or "")
    tags = payload.Tags
    if tags is None and product is not None:
        tags = list(product.tags or [])  # sent as the form's text: see forms._form_data and lists
    if tags is not None:
        if any("," in tag for tag in tags):
            raise forms.Invalid(["Tags: a tag may not contain a comma"])
        changes["tags"] = ", ".join(tags)
    return {**changes, **TRANSLATED.changes(payload.Translations)}


def _catalogue_ids(payload: ProductIn, product: Product | None) -> list[int] | None:
    """The catalogues to put the product in; None to leave them (left out, or the names a GET answered)."""
    if payload.Catalogues is None:
        return None
    names = [] if product is None else list(Catalogue.objects.filter(products=product).values_list("name", flat=True))
    return forms.ids_or_read_form(payload.Catalogues, "Catalogues", names)


def _save(payload: ProductIn, request: HttpRequest, product: Product | None = None) -> Product:
    with transaction.atomic():
        saved: Product = forms.save("products", _changes(payload, product), actor(request), instance=product,
                                    names=NAMES)
        catalogues = _catalogue_ids(payload, product)
        if catalogues is not None:
            set_membership("products", saved.pk, catalogues, actor(request))
    return saved


@router.get("/products", response={200: list[ProductSummary], **ERRORS})
def list_products(request: HttpRequest, paging: PagingQuery) -> HttpResponse:
    # The page is kept encoded under the content revision (pagecache.fragments): every field of a
    # summary comes from a product or its APIs, whose changes bump it, so a tool that polls this list
    # (portal-go, Terraform, a sync script) costs one cache read per call, not 100 products' rows.
    # (A comment, not a docstring: ninja would publish a docstring as the operation's description.)

    def encode() -> bytes:
        products = page_of(_queryset().order_by("display_name", "pk"), paging)
        data = [ProductSummary(**_summary_fields(p)).model_dump() for p in products]
        rendered: str = JSONRenderer().render(request, data, response_status=200)
        return rendered.encode()

    body = fragments.cached_bytes("portal-api:products", [paging.page, paging.per_page, paging.limit], encode)
    return HttpResponse(body, content_type=JSONRenderer.media_type + "; charset=" + settings.DEFAULT_CHARSET)


@router.post("/products", response={201: ProductOut, **ERRORS})
def create_product(request: HttpRequest, payload: ProductIn) -> Status[Any]:
    return Status(201, _full(_save(payload, request).pk))


@router.get("/products/{product_id}", response={200: ProductOut, **ERRORS})
def get_product(request: HttpRequest, product_id: PathId) -> ProductOut:
    return _full(product_id)


@router.put("/products/{product_id}", response={200: ProductOut, **ERRORS})
def update_product(request: HttpRequest, product_id: PathId, payload: ProductIn) -> ProductOut:
    """Change a product. Fields left out keep their values."""
    product = get_object_or_404(Product, pk=product_id)
    return _full(_save(payload, request, product).pk)


@router.delete("/products/{product_id}", response={200: StatusOut, **ERRORS})
def delete_product(request: HttpRequest, product_id: PathId) -> StatusOut:
    """Delete a product with its APIs and documents; refused (409) while access requests use it."""
    forms.delete("products", get_object_or_404(Product, pk=product_id), actor(request))
    return StatusOut()


# Its logo and preview images


def _serve_image(product_id: PathId, kind: str) -> FileResponse:
    product = get_object_or_404(Product.objects.only("pk", kind), pk=product_id)
    image = getattr(product, kind)
    content_type = images.content_type(image.name or "") if image else None
    if content_type is None:
        raise Http404(f"the product has no {kind} image")
    try:
        file = image.open("rb")
    except OSError:
        raise Http404(f"the product's {kind} image is missing from storage") from None
    response = FileResponse(file, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _upload_image(request: HttpRequest, product_id: PathId, kind: str, file: UploadedFile) -> StatusOut:
    product = get_object_or_404(Product, pk=product_id)
    forms.save("products", {}, actor(request), instance=product, names=NAMES, files={kind: file})
    return StatusOut()


def _delete_image(request: HttpRequest, product_id: PathId, kind: str) -> StatusOut:
    product = get_object_or_404(Product, pk=product_id)
    if getattr(product, kind):
        forms.save("products", {f"{kind}-clear": "on"}, actor(request), instance=product, names=NAMES)
    return StatusOut()


IMAGE_ANSWER = {"responses": {200: {"description": "The image, as it was checked when uploaded.",
                                    "content": {t: {"schema": {"type": "string", "format": "binary"}}
                                                for t in sorted(set(images.TYPES.values()))}}}}


@router.get("/products/{product_id}/logo", response={200: str, **ERRORS}, openapi_extra=IMAGE_ANSWER)
def get_product_logo(request: HttpRequest, product_id: PathId) -> FileResponse:
    """The product's logo (shown on its catalogue card and its page); 404 when it has none."""
    return _serve_image(product_id, "logo")


@router.post("/products/{product_id}/logo", response={200: StatusOut, **ERRORS})
def upload_product_logo(request: HttpRequest, product_id: PathId, file: File[UploadedFile]) -> StatusOut:
    """Upload or replace the logo (multipart field `file`): PNG, JPEG, GIF or WebP by its content, at most
    1 MB; SVG is refused (422)."""
    return _upload_image(request, product_id, "logo", file)


@router.delete("/products/{product_id}/logo", response={200: StatusOut, **ERRORS})
def delete_product_logo(request: HttpRequest, product_id: PathId) -> StatusOut:
    """Remove the logo; a product without one is a 200 too."""
    return _delete_image(request, product_id, "logo")


@router.get("/products/{product_id}/preview", response={200: str, **ERRORS}, openapi_extra=IMAGE_ANSWER)
def get_product_preview(request: HttpRequest, product_id: PathId) -> FileResponse:
    """The product's preview image (shown on its page); 404 when it has none."""
    return _serve_image(product_id, "preview")


@router.post("/products/{product_id}/preview", response={200: StatusOut, **ERRORS})
def upload_product_preview(request: HttpRequest, product_id: PathId, file: File[UploadedFile]) -> StatusOut:
    """Upload or replace the preview image (multipart field `file`): PNG, JPEG, GIF or WebP by its content, at
    most 2 MB; SVG is refused (422)."""
    return _upload_image(request, product_id, "preview", file)


@router.delete("/products/{product_id}/preview", response={200: StatusOut, **ERRORS})
def delete_product_preview(request: HttpRequest, product_id: PathId) -> StatusOut:
    """Remove the preview image; a product without one is a 200 too."""
    return _delete_image(request, product_id, "preview")


# Its APIs (they come from the provider)


def _product_id(product_id: PathId) -> int:
    return get_object_or_404(Product.objects.only("pk"), pk=product_id).pk


@router.get("/products/{product_id}/api-details", response={200: list[APIDetail], **ERRORS})
def list_product_apis(request: HttpRequest, product_id: PathId, paging: PagingQuery) -> list[APIDetail]:
    queryset = ProductAPI.objects.filter(product_id=_product_id(product_id)).order_by("name", "pk")
    return [_api(a) for a in page_of(queryset, paging)]


def _api_by_id(product_id: PathId, api_id: str) -> ProductAPI:
    """One of the product's APIs, by its ID at the provider (`APIID`); 404 otherwise."""
    queryset = ProductAPI.objects.filter(product_id=_product_id(product_id))
    api = queryset.filter(api_id=api_id).order_by("pk").first() if api_id and "\x00" not in api_id else None
    if api is None:
        raise Http404("the product has no API with this ID")
    return api


@router.get("/products/{product_id}/api-details/{api_id}", response={200: APIDetail, **ERRORS})
def get_product_api(request: HttpRequest, product_id: PathId, api_id: str) -> APIDetail:
    """One of the product's APIs, by its ID at the provider (`APIID`)."""
    return _api(_api_by_id(product_id, api_id))


class APIDetailIn(TykIn):
    TYK_IGNORED = frozenset({"Description", "Status", "TargetURL"})
    READ_ONLY = frozenset({"APIID", "APIType", "ListenPath"})
    Name: str | None = Field(None, description="The name the portal shows (a sync sets it from the gateway again).")
    OASUrl: str | None = Field(None, description="Import the API's portal document from this URL, now (through "
                                                 "the SSRF guard; checked as an upload is).")


@router.put("/products/{product_id}/api-details/{api_id}", response={200: APIDetail, **ERRORS})
def update_product_api(request: HttpRequest, product_id: PathId, api_id: str, payload: APIDetailIn) -> APIDetail:
    """Rename one of the product's APIs, or import its portal document from `OASUrl`."""
    api = _api_by_id(product_id, api_id)
    changes: dict[str, Any] = {}
    if payload.Name is not None:
        changes["name"] = payload.Name
    if payload.OASUrl:
        changes["document_url"] = payload.OASUrl
    if changes:
        api = forms.save("product-apis", changes, actor(request), instance=api,
                         names={"name": "Name", "document_url": "OASUrl", "oas_document": "OASUrl",
                                "auth_type": "APIType"})
    return _api(api)


# Its APIs' OpenAPI documents


class DocumentOut(Out):
    Title: str = Field(description="The document's info.title.")
    Version: str = Field(description="The document's info.version.")
    OpenAPI: str = Field(description="Its OpenAPI version, e.g. `3.1.0`.")
    Operations: int = Field(description="The operations under its paths.")
    Format: str = Field(description="`json` or `yaml`: it is stored as it was sent.")
    DocumentShown: str = Field(description="Which document the Live Portal shows now: `portal` (this one) or "
                                           "`gateway` (when DocumentSource prefers the gateway's and it has one).")


DOCUMENT_BODY = {"requestBody": {"required": True, "description": "The OpenAPI 3.0 or 3.1 document, at most 5 MB.",
                                 "content": {"application/json": {"schema": {"type": "object"}},
                                             "application/yaml": {"schema": {"type": "string"}}}}}
DOCUMENT_ANSWER = {"responses": {200: {"content": {"application/json": {"schema": {"type": "object"}},
                                                   "application/yaml": {"schema": {"type": "string"}}}}}}


def _save_document(request: HttpRequest, api: ProductAPI, text: str) -> DocumentOut:
    """Check and store `text` as the API's portal document, through the form the Admin Portal uses too (its
    rules, the audit log, the product's push); 422 with the line-numbered problems otherwise."""
    saved: ProductAPI = forms.save("product-apis", {"oas_document": text}, actor(request), instance=api,
                                   names={"oas_document": "", "auth_type": "APIType"})
    summary = documents.describe(saved.oas_document)
    assert summary is not None  # it was just checked
    return DocumentOut(Title=summary.title, Version=summary.version, OpenAPI=summary.openapi,
                       Operations=summary.operations, Format=summary.format, DocumentShown=saved.shown_source)


def _refuse_unstorable_json(text: str) -> None:
    """A JSON body is held to the API's rule for every JSON body (forecourt.api.parser): a NUL or a lone
    surrogate, even escaped, is a 422 naming its JSON path, before anything else is looked at."""
    try:
        data = json.loads(text)
    except ValueError:
        return  # YAML, or broken JSON: the document's own check says where
    unstorable.refuse(data)


def _refuse(error: documents.InvalidDocument) -> forms.Invalid:
    return forms.Invalid(error.messages)


def _uploaded_text(file: UploadedFile) -> str:
    """An uploaded document's text, or the 422 saying why it cannot be one."""
    try:
        return documents.read_upload(file)
    except documents.InvalidDocument as exc:
        raise _refuse(exc) from None


def _body_text(request: HttpRequest) -> str:
    """The request body as a document's text, or the 422 saying why it cannot be one."""
    try:
        text = documents.decode(request.body)
    except documents.InvalidDocument as exc:
        raise _refuse(exc) from None
    _refuse_unstorable_json(text)
    return text


@router.get("/products/{product_id}/api-details/{api_id}/oas", response={200: str, **ERRORS},
            openapi_extra=DOCUMENT_ANSWER)
def get_api_document(request: HttpRequest, product_id: PathId, api_id: str,
                     source: Literal["shown", "portal", "gateway"] = "shown") -> HttpResponse:
    """The API's OpenAPI document as stored (JSON or YAML): the one the Live Portal shows, or with
    `source` the portal's or the gateway's. The `Document-Source` header says which it is."""
    api = _api_by_id(product_id, api_id)
    which = api.shown_source if source == "shown" else source
    text = {"portal": api.oas_document, "gateway": api.gateway_document}.get(which, "")
    if not text:
        raise Http404("the API has no OpenAPI document" + ("" if source == "shown" else f" from the {source}"))
    kind = documents.format_of(text)
    response = HttpResponse(text.encode("utf-8"), content_type="application/json" if kind == "json"
                            else "application/yaml; charset=utf-8")
    response["Document-Source"] = which
    return response


@router.put("/products/{product_id}/api-details/{api_id}/oas", response={200: DocumentOut, **ERRORS},
            openapi_extra=DOCUMENT_BODY)
def put_api_document(request: HttpRequest, product_id: PathId, api_id: str) -> DocumentOut:
    """Replace the API's portal document with the request body (JSON or YAML, Forecourt's own)."""
    text = _body_text(request)
    return _save_document(request, _api_by_id(product_id, api_id), text)


@router.post("/products/{product_id}/api-details/{api_id}/oas", response={200: DocumentOut, **ERRORS})
def upload_api_document(request: HttpRequest, product_id: PathId, api_id: str,
                        file: File[UploadedFile]) -> DocumentOut:
    """Replace the API's portal document with an uploaded file (multipart field `file`), as in Tyk."""
    api = _api_by_id(product_id, api_id)
    text = _uploaded_text(file)
    return _save_document(request, api, text)


@router.delete("/products/{product_id}/api-details/{api_id}/oas", response={200: StatusOut, **ERRORS})
def delete_api_document(request: HttpRequest, product_id: PathId, api_id: str) -> StatusOut:
    """Remove the API's portal document (the gateway's, if any, is then the one shown)."""
    api = _api_by_id(product_id, api_id)
    if api.oas_document:
        forms.save("product-apis", {"oas_document": ""}, actor(request), instance=api)
    return StatusOut()


# Its specifications without a provider API (Tyk's spec details)


class SpecOut(Out):
    ID: int
    Name: str
    SpecAlias: str = Field(description="An identifier for the specification.")
    OASUrl: str = Field(description="Where its OpenAPI document was last imported from; empty for none.")


class SpecIn(TykIn):
    TYK_IGNORED = frozenset({"CID"})
    READ_ONLY = frozenset({"ID"})
    Name: str | None = None
    SpecAlias: str | None = Field(None, description="Required for a new specification.")
    OASUrl: str | None = Field(None, description="Import its OpenAPI document from this URL, now (through the SSRF "
                                                 "guard; checked as an upload is). Sent unchanged: not fetched again.")


SPEC_NAMES = {"name": "Name", "spec_alias": "SpecAlias", "document_url": "OASUrl", "oas_document": "OASUrl",
              "product": "ProductID"}


class SpecDocumentOut(Out):
    Title: str = Field(description="The document's info.title.")
    Version: str = Field(description="The document's info.version.")
    OpenAPI: str = Field(description="Its OpenAPI version, e.g. `3.1.0`.")
    Operations: int = Field(description="The operations under its paths.")
    Format: str = Field(description="`json` or `yaml`: it is stored as it was sent.")


def _spec(spec: ProductSpec) -> SpecOut:
    return SpecOut(ID=spec.pk, Name=spec.name, SpecAlias=spec.spec_alias, OASUrl=spec.oas_url)


def _spec_changes(payload: SpecIn) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if payload.Name is not None:
        changes["name"] = payload.Name
    if payload.SpecAlias is not None:
        changes["spec_alias"] = payload.SpecAlias
    if payload.OASUrl is not None:
        changes["document_url"] = payload.OASUrl
    return changes


def _spec_of(product_id: PathId, spec_id: PathId) -> ProductSpec:
    """One of the product's specifications; another product's is a 404."""
    return get_object_or_404(ProductSpec, pk=spec_id, product_id=_product_id(product_id))


@router.get("/products/{product_id}/spec-details", response={200: list[SpecOut], **ERRORS})
def list_specs(request: HttpRequest, product_id: PathId, paging: PagingQuery) -> list[SpecOut]:
    queryset = (ProductSpec.objects.filter(product_id=_product_id(product_id))
                .defer("oas_document", "graphql_schema", "asyncapi_document")
                .order_by("pk"))
    return [_spec(s) for s in page_of(queryset, paging)]


@router.post("/products/{product_id}/spec-details", response={201: SpecOut, **ERRORS})
def create_spec(request: HttpRequest, product_id: PathId, payload: SpecIn) -> Status[Any]:
    """Add a specification; with `OASUrl` its document is imported now."""
    changes = {"product": _product_id(product_id), **_spec_changes(payload)}
    return Status(201, _spec(forms.save("product-specs", changes, actor(request), names=SPEC_NAMES)))


@router.get("/products/{product_id}/spec-details/{spec_id}", response={200: SpecOut, **ERRORS})
def get_spec(request: HttpRequest, product_id: PathId, spec_id: PathId) -> SpecOut:
    return _spec(_spec_of(product_id, spec_id))


@router.put("/products/{product_id}/spec-details/{spec_id}", response={200: SpecOut, **ERRORS})
def update_spec(request: HttpRequest, product_id: PathId, spec_id: PathId, payload: SpecIn) -> SpecOut:
    """Change a specification. Fields left out keep their values; a new `OASUrl` is imported now."""
    spec = _spec_of(product_id, spec_id)
    return _spec(forms.save("product-specs", _spec_changes(payload), actor(request), instance=spec, names=SPEC_NAMES))


@router.delete("/products/{product_id}/spec-details/{spec_id}", response={200: StatusOut, **ERRORS})
def delete_spec(request: HttpRequest, product_id: PathId, spec_id: PathId) -> StatusOut:
    forms.delete("product-specs", _spec_of(product_id, spec_id), actor(request))
    return StatusOut()


def _save_spec_document(request: HttpRequest, spec: ProductSpec, text: str) -> SpecDocumentOut:
    saved: ProductSpec = forms.save("product-specs", {"oas_document": text}, actor(request), instance=spec,
                                    names={"oas_document": ""})
    summary = documents.describe(saved.oas_document)
    assert summary is not None  # it was just checked
    return SpecDocumentOut(Title=summary.title, Version=summary.version, OpenAPI=summary.openapi,
                           Operations=summary.operations, Format=summary.format)


@router.get("/products/{product_id}/spec-details/{spec_id}/oas", response={200: str, **ERRORS},
            openapi_extra=DOCUMENT_ANSWER)
def get_spec_document(request: HttpRequest, product_id: PathId, spec_id: PathId) -> HttpResponse:
    """The specification's OpenAPI document as stored (JSON or YAML); 404 when it has none."""
    text = _spec_of(product_id, spec_id).oas_document
    if not text:
        raise Http404("the specification has no OpenAPI document")
    kind = documents.format_of(text)
    return HttpResponse(text.encode("utf-8"), content_type="application/json" if kind == "json"
                        else "application/yaml; charset=utf-8")


@router.post("/products/{product_id}/spec-details/{spec_id}/oas", response={200: SpecDocumentOut, **ERRORS})
def upload_spec_document(request: HttpRequest, product_id: PathId, spec_id: PathId,
                         file: File[UploadedFile]) -> SpecDocumentOut:
    """Replace the specification's document with an uploaded file (multipart field `file`), as in Tyk."""
    spec = _spec_of(product_id, spec_id)
    text = _uploaded_text(file)
    return _save_spec_document(request, spec, text)


@router.put("/products/{product_id}/spec-details/{spec_id}/oas", response={200: SpecDocumentOut, **ERRORS},
            openapi_extra=DOCUMENT_BODY)
def put_spec_document(request: HttpRequest, product_id: PathId, spec_id: PathId) -> SpecDocumentOut:
    """Replace the specification's document with the request body (JSON or YAML, Forecourt's own)."""
    text = _body_text(request)  # a body that cannot be stored is refused first, as for an API's document
    return _save_spec_document(request, _spec_of(product_id, spec_id), text)


@router.delete("/products/{product_id}/spec-details/{spec_id}/oas", response={200: StatusOut, **ERRORS})
def delete_spec_document(request: HttpRequest, product_id: PathId, spec_id: PathId) -> StatusOut:
    """Remove the specification's document (the specification stays)."""
    spec = _spec_of(product_id, spec_id)
    if spec.oas_document:
        forms.save("product-specs", {"oas_document": ""}, actor(request), instance=spec)
    return StatusOut()


# Its getting-started documents


def _doc(doc: ProductDoc) -> DocOut:
    return DocOut(ID=doc.pk, ProductID=doc.product_id, Title=doc.title, Content=doc.content, MarkdownEnabled=True,
                  Position=doc.position, Translations=DOC_TRANSLATED.answer(doc))


def _doc_changes(payload: DocIn) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if payload.Title is not None:
        changes["title"] = payload.Title
    if payload.Position is not None:
        changes["position"] = payload.Position
    content = payload.Content
    if payload.MarkdownContent is not None:
        if payload.MarkdownEnabled is False:
            note_ignored(["MarkdownContent"])
        else:
            if content is not None:
                note_ignored(["Content"])
            content = payload.MarkdownContent
    if content is not None:
        changes["content"] = content
    return {**changes, **DOC_TRANSLATED.changes(payload.Translations)}


@router.get("/products/{product_id}/docs", response={200: list[DocOut], **ERRORS})
def list_docs(request: HttpRequest, product_id: PathId, paging: PagingQuery) -> list[DocOut]:
    queryset = ProductDoc.objects.filter(product_id=_product_id(product_id)).order_by("position", "pk")
    return [_doc(d) for d in page_of(queryset, paging)]


@router.post("/products/{product_id}/docs", response={201: DocOut, **ERRORS})
def create_doc(request: HttpRequest, product_id: PathId, payload: DocIn) -> Status[Any]:
    """Add a getting-started document (after the others unless `Position` says otherwise)."""
    product_pk = _product_id(product_id)
    changes = {"product": product_pk, **_doc_changes(payload)}
    if "position" not in changes:
        last = ProductDoc.objects.filter(product_id=product_pk).aggregate(last=Max("position"))["last"]
        changes["position"] = 0 if last is None else last + 1
    doc = forms.save("product-docs", changes, actor(request), names=DOC_NAMES)
    return Status(201, _doc(doc))


@router.post("/products/{product_id}/docs/reorder", response={200: StatusOut, **ERRORS})
def reorder_docs(request: HttpRequest, product_id: PathId, order: Body[list[Id]]) -> StatusOut:
    """Put the product's documents in this order (a JSON array of document IDs, as in Tyk).

    Documents left out follow, in their current order.
    """
    docs = {d.pk: d for d in ProductDoc.objects.filter(product_id=_product_id(product_id)).order_by("position", "pk")}
    unknown = [i for i in order if i not in docs]
    if unknown:
        raise forms.Invalid([f"the product has no document {i}" for i in unknown])
    if len(set(order)) != len(order):
        raise forms.Invalid(["a document is listed twice"])
    ordered = [docs[i] for i in order] + [d for pk, d in docs.items() if pk not in order]
    with transaction.atomic():
        for position, doc in enumerate(ordered):
            if doc.position != position:
                forms.save("product-docs", {"position": position}, actor(request), instance=doc, names=DOC_NAMES)
    return StatusOut()


@router.get("/products/{product_id}/docs/{doc_id}", response={200: DocOut, **ERRORS})
def get_doc(request: HttpRequest, product_id: PathId, doc_id: PathId) -> DocOut:
    return _doc(get_object_or_404(ProductDoc, pk=doc_id, product_id=product_id))


@router.put("/products/{product_id}/docs/{doc_id}", response={200: DocOut, **ERRORS})
def update_doc(request: HttpRequest, product_id: PathId, doc_id: PathId, payload: DocIn) -> DocOut:
    """Change a document. Fields left out keep their values."""
    doc = get_object_or_404(ProductDoc, pk=doc_id, product_id=product_id)
    return _doc(forms.save("product-docs", _doc_changes(payload), actor(request), instance=doc, names=DOC_NAMES))


@router.delete("/products/{product_id}/docs/{doc_id}", response={200: StatusOut, **ERRORS})
def delete_doc(request: HttpRequest, product_id: PathId, doc_id: PathId) -> StatusOut:
    forms.delete("product-docs", get_object_or_404(ProductDoc, pk=doc_id, product_id=product_id), actor(request))
    return StatusOut()
