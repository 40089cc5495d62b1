"""A specification's AsyncAPI document: `/products/{id}/spec-details/{spec_id}/asyncapi` (Forecourt's own:
Tyk's portal API has no AsyncAPI field, and Tyk's spec-details fields stay as they are).

The same shape as a specification's OpenAPI document (`.../oas`, forecourt.api.routers.products): `GET`
answers the document as stored (JSON or YAML), 404 when there is none; `PUT` takes it as the raw request
body and `POST` as an uploaded file (multipart field `file`); both check it (forecourt.catalog.asyncapi:
AsyncAPI 2.x or 3.x against the official schemas, at most 5 MB, in one file), answer 422 with every
problem and its line and store nothing, or store it as given and answer its summary. `DELETE` removes it
(the specification stays). Writes go through the specification form the Admin Portal uses, so the rule
and the audit log are shared.
"""

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, File, Router
from ninja.files import UploadedFile

from forecourt.catalog import asyncapi, documents
from forecourt.catalog.models import ProductSpec

from .. import forms
from ..common import ERRORS, PathId, StatusOut, actor
from ..schemas_base import Out
from .products import DOCUMENT_ANSWER, _body_text, _spec_of, _uploaded_text

router = Router(tags=["products"])

ASYNCAPI_BODY = {"requestBody": {"required": True, "description": "The AsyncAPI 2.x or 3.x document, at most 5 MB.",
                                 "content": {"application/json": {"schema": {"type": "object"}},
                                             "application/yaml": {"schema": {"type": "string"}}}}}


class AsyncAPIDocumentOut(Out):
    Title: str = Field(description="The document's info.title.")
    Version: str = Field(description="The document's info.version.")
    AsyncAPI: str = Field(description="Its AsyncAPI version, e.g. `3.0.0`.")
    Channels: int = Field(description="Its channels.")
    Operations: int = Field(description="Its operations (2.x: its channels' publish and subscribe).")
    Format: str = Field(description="`json` or `yaml`: it is stored as it was sent.")


def _save(request: HttpRequest, spec: ProductSpec, text: str) -> AsyncAPIDocumentOut:
    saved: ProductSpec = forms.save("product-specs", {"asyncapi_document": text}, actor(request), instance=spec,
                                    names={"asyncapi_document": "", "asyncapi_file": ""})
    summary = asyncapi.describe(saved.asyncapi_document)
    assert summary is not None  # it was just checked
    return AsyncAPIDocumentOut(Title=summary.title, Version=summary.version, AsyncAPI=summary.asyncapi,
                               Channels=summary.channels, Operations=summary.operations, Format=summary.format)


@router.get("/products/{product_id}/spec-details/{spec_id}/asyncapi", response={200: str, **ERRORS},
            openapi_extra=DOCUMENT_ANSWER)
def get_asyncapi_document(request: HttpRequest, product_id: PathId, spec_id: PathId) -> HttpResponse:
    """The specification's AsyncAPI document as stored (JSON or YAML); 404 when it has none."""
    text = _spec_of(product_id, spec_id).asyncapi_document
    if not text:
        raise Http404("the specification has no AsyncAPI document")
    kind = documents.format_of(text)
    return HttpResponse(text.encode("utf-8"), content_type="application/json" if kind == "json"
                        else "application/yaml; charset=utf-8")


@router.put("/products/{product_id}/spec-details/{spec_id}/asyncapi", response={200: AsyncAPIDocumentOut, **ERRORS},
            openapi_extra=ASYNCAPI_BODY)
def put_asyncapi_document(request: HttpRequest, product_id: PathId, spec_id: PathId) -> AsyncAPIDocumentOut:
    """Replace the specification's AsyncAPI document with the request body (JSON or YAML)."""
    text = _body_text(request)
    return _save(request, _spec_of(product_id, spec_id), text)


@router.post("/products/{product_id}/spec-details/{spec_id}/asyncapi", response={200: AsyncAPIDocumentOut, **ERRORS})
def upload_asyncapi_document(request: HttpRequest, product_id: PathId, spec_id: PathId,
                             file: File[UploadedFile]) -> AsyncAPIDocumentOut:
    """Replace the specification's AsyncAPI document with an uploaded file (multipart field `file`)."""
    spec = _spec_of(product_id, spec_id)
    return _save(request, spec, _uploaded_text(file))


@router.delete("/products/{product_id}/spec-details/{spec_id}/asyncapi", response={200: StatusOut, **ERRORS})
def delete_asyncapi_document(request: HttpRequest, product_id: PathId, spec_id: PathId) -> StatusOut:
    """Remove the specification's AsyncAPI document (the specification stays)."""
    spec = _spec_of(product_id, spec_id)
    if spec.asyncapi_document:
        forms.save("product-specs", {"asyncapi_document": ""}, actor(request), instance=spec)
    return StatusOut()
