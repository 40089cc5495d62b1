"""GraphQL schemas in Tyk's portal API (v1.14): a specification's (`/products/{id}/spec-details/{spec_id}/
graphql/schema`: GET, PUT, DELETE), a product API's (`/products/{id}/api-details/{api_id}/graphql/schema`:
GET, POST, DELETE), and a new specification made from a schema (`POST /products/{id}/spec-details/graphql/
schema`). The methods are Tyk's (PUT for a specification's upload, POST for an API's).

Divergences from Tyk, on purpose:

* Uploads take the file as Tyk does (multipart field `file`: `.graphql` / `.gql` SDL or a `.json`
  introspection result) with `dry_run`, but a bad file (or a product that is not documentation-only,
  for a new specification) is a 422 with the error envelope and every problem with its line
  (forecourt.catalog.graphql_schemas), as this API's other uploads (OpenAPI documents, images) answer,
  not Tyk's 400 / 413 with a string: a script checks `status >= 400` either way. A good upload answers
  its summary (`Types`, `Queries`, `Mutations`, `Subscriptions`, `DryRun`) where Tyk answers an empty 200.
* An introspection result is stored as the SDL it stands for: `GET` answers SDL
  (`application/graphql`), and 404 when there is none (Tyk: 422), as an OpenAPI document's `GET` does.
* `DELETE .../spec-details/{spec_id}/graphql/schema` deletes the whole specification, as Tyk documents;
  `DELETE .../api-details/{api_id}/graphql/schema` removes only the API's schema (the portal's: the one
  a sync copies from a Tyk GraphQL API's definition, `graphql.schema`, is then the one shown).
* A new specification made from a schema is named after the file (its name without the extension, as
  `Name` and, made a slug, `SpecAlias`); with `dry_run` nothing is made and `ID` is 0.
"""

from pathlib import PurePath

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.text import slugify
from ninja import Field, File, Router
from ninja.files import UploadedFile

from forecourt.catalog import documents, graphql_schemas
from forecourt.catalog.models import Product, ProductAPI, ProductSpec

from .. import forms
from ..common import ERRORS, PathId, StatusOut, actor
from ..schemas_base import Out
from .products import SPEC_NAMES, SpecOut, _api_by_id, _spec, _spec_of

router = Router(tags=["products"])


class SchemaOut(Out):
    Types: int = Field(description="The schema's own named types.")
    Queries: int = Field(description="The fields of its query type.")
    Mutations: int = Field(description="The fields of its mutation type.")
    Subscriptions: int = Field(description="The fields of its subscription type.")
    DryRun: bool = Field(description="True: checked only, nothing was stored.")


NOT_DOCUMENTATION_ONLY = ("ProductID: a specification made from a GraphQL schema needs a documentation-only product "
                          "(IsDocumentationOnly)")
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
def delete_spec_with_schema(request: HttpRequest, product_id: PathId, spec_id: PathId) -> StatusOut:
    """Delete the specification, schema and all (Tyk: "Delete Specification with GraphQL schema")."""
    forms.delete("product-specs", _spec_of(product_id, spec_id), actor(request))
    return StatusOut()


@router.post("/products/{product_id}/spec-details/graphql/schema", response={200: SpecOut, **ERRORS})
def create_spec_from_schema(request: HttpRequest, product_id: PathId, file: File[UploadedFile],
                            dry_run: bool = False) -> SpecOut:
    """Make a specification of a documentation-only product from an uploaded GraphQL schema (multipart
    field `file`), named after the file; with `dry_run` it is only checked."""
    product = get_object_or_404(Product.objects.only("pk", "documentation_only"), pk=product_id)
    if not product.documentation_only:
        raise forms.Invalid([NOT_DOCUMENTATION_ONLY])
    text, _ = _checked(file)
    name = PurePath(str(file.name or "schema")).stem[:255] or "schema"
    alias = slugify(name)[:255] or "graphql"
    if dry_run:
        return SpecOut(ID=0, Name=name, SpecAlias=alias, OASUrl="")
    changes = {"product": product.pk, "name": name, "spec_alias": alias, "graphql_schema": text}
    return _spec(forms.save("product-specs", changes, actor(request), names={**SPEC_NAMES, "graphql_schema": "file"}))


@router.post("/products/{product_id}/api-details/{api_id}/graphql/schema", response={200: SchemaOut, **ERRORS})
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
    """The product API's GraphQL schema as SDL (the portal's, else the one the sync copied from the gateway);
    404 when it has none."""
    return _serve(_api_by_id(product_id, api_id).shown_graphql_schema, "API")


@router.delete("/products/{product_id}/api-details/{api_id}/graphql/schema", response={200: StatusOut, **ERRORS})
def delete_api_schema(request: HttpRequest, product_id: PathId, api_id: str) -> StatusOut:
    """Remove the product API's GraphQL schema."""
    api = _api_by_id(product_id, api_id)
    if api.graphql_schema:
        _store(request, "product-apis", api, "")
    return StatusOut()
