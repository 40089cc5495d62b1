"""/portal-api/products/{id}/spec-details/{spec_id}/graphql/schema and .../api-details/{api_id}/graphql/schema:
a specification's or a product API's GraphQL schema, as in Tyk's portal API (v1.14).

Divergences from Tyk, on purpose:

* `PUT` takes the file as Tyk does (multipart field `file`: `.graphql` / `.gql` SDL or a `.json`
  introspection result) with `dry_run`, but a bad file is a 422 with the error envelope and every
  problem with its line (forecourt.catalog.graphql_schemas), as this API's other uploads (OpenAPI
  documents, images) answer, not Tyk's 400 with a string: a script checks `status >= 400` either way.
  A good one answers its summary (`Types`, `Queries`, `Mutations`, `Subscriptions`, `DryRun`) where
  Tyk answers an empty 200.
* An introspection result is stored as the SDL it stands for: `GET` (Forecourt's own) answers SDL.
* `GET` and `DELETE` are Forecourt's own (Tyk has only the upload).
* The API-details route is Forecourt's own too: Tyk documents only the specification's.
"""

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, File, Router
from ninja.files import UploadedFile

from forecourt.catalog import documents, graphql_schemas
from forecourt.catalog.models import ProductAPI, ProductSpec

from .. import forms
from ..common import ERRORS, PathId, StatusOut, actor
from ..schemas_base import Out
from .products import _api_by_id, _spec_of

router = Router(tags=["products"])


class SchemaOut(Out):
    Types: int = Field(description="The schema's own named types.")
    Queries: int = Field(description="The fields of its query type.")
    Mutations: int = Field(description="The fields of its mutation type.")
    Subscriptions: int = Field(description="The fields of its subscription type.")
    DryRun: bool = Field(description="True: checked only, nothing was stored.")


SCHEMA_ANSWER = {"responses": {200: {"description": "The schema as stored (SDL).",
                                     "content": {"application/graphql": {"schema": {"type": "string"}}}}}}


def _checked(file: UploadedFile) -> tuple[str, graphql_schemas.Summary]:
    """The uploaded schema's text and summary, or the 422 with every problem."""
    try:
        text = graphql_schemas.read_upload(file)
        _, summary = graphql_schemas.check(text)
    except documents.InvalidDocument as exc:
        raise forms.Invalid(exc.messages) from None
    return text, summary


def _answer(summary: graphql_schemas.Summary, dry_run: bool) -> SchemaOut:
    return SchemaOut(Types=summary.types, Queries=summary.queries, Mutations=summary.mutations,
                     Subscriptions=summary.subscriptions, DryRun=dry_run)


def _store(request: HttpRequest, slug: str, instance: ProductAPI | ProductSpec, text: str) -> None:
    """Through the form the Admin Portal uses too: its rule (checked again there), the audit log, the
    product's push for an API."""
    forms.save(slug, {"graphql_schema": text}, actor(request), instance=instance, names={"graphql_schema": ""})


def _serve(text: str, what: str) -> HttpResponse:
    if not text:
        raise Http404(f"the {what} has no GraphQL schema")
    return HttpResponse(text.encode("utf-8"), content_type="application/graphql; charset=utf-8")


@router.put("/products/{product_id}/spec-details/{spec_id}/graphql/schema", response={200: SchemaOut, **ERRORS})
def upload_spec_schema(request: HttpRequest, product_id: PathId, spec_id: PathId, file: File[UploadedFile],
                       dry_run: bool = False) -> SchemaOut:
    """Upload or replace the specification's GraphQL schema (multipart field `file`, as in Tyk); with
    `dry_run` it is only checked."""
    spec = _spec_of(product_id, spec_id)
    text, summary = _checked(file)
    if not dry_run:
        _store(request, "product-specs", spec, text)
    return _answer(summary, dry_run)


@router.get("/products/{product_id}/spec-details/{spec_id}/graphql/schema", response={200: str, **ERRORS},
            openapi_extra=SCHEMA_ANSWER)
def get_spec_schema(request: HttpRequest, product_id: PathId, spec_id: PathId) -> HttpResponse:
    """The specification's GraphQL schema as SDL; 404 when it has none."""
    return _serve(_spec_of(product_id, spec_id).graphql_schema, "specification")


@router.delete("/products/{product_id}/spec-details/{spec_id}/graphql/schema", response={200: StatusOut, **ERRORS})
def delete_spec_schema(request: HttpRequest, product_id: PathId, spec_id: PathId) -> StatusOut:
    """Remove the specification's GraphQL schema (the specification stays)."""
    spec = _spec_of(product_id, spec_id)
    if spec.graphql_schema:
        _store(request, "product-specs", spec, "")
    return StatusOut()


@router.put("/products/{product_id}/api-details/{api_id}/graphql/schema", response={200: SchemaOut, **ERRORS})
def upload_api_schema(request: HttpRequest, product_id: PathId, api_id: str, file: File[UploadedFile],
                      dry_run: bool = False) -> SchemaOut:
    """Upload or replace the product API's GraphQL schema (multipart field `file`); with `dry_run` it is
    only checked."""
    api = _api_by_id(product_id, api_id)
    text, summary = _checked(file)
    if not dry_run:
        _store(request, "product-apis", api, text)
    return _answer(summary, dry_run)


@router.get("/products/{product_id}/api-details/{api_id}/graphql/schema", response={200: str, **ERRORS},
            openapi_extra=SCHEMA_ANSWER)
def get_api_schema(request: HttpRequest, product_id: PathId, api_id: str) -> HttpResponse:
    """The product API's GraphQL schema as SDL; 404 when it has none."""
    return _serve(_api_by_id(product_id, api_id).graphql_schema, "API")


@router.delete("/products/{product_id}/api-details/{api_id}/graphql/schema", response={200: StatusOut, **ERRORS})
def delete_api_schema(request: HttpRequest, product_id: PathId, api_id: str) -> StatusOut:
    """Remove the product API's GraphQL schema."""
    api = _api_by_id(product_id, api_id)
    if api.graphql_schema:
        _store(request, "product-apis", api, "")
    return StatusOut()
