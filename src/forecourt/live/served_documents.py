"""The OpenAPI documents the Live Portal serves, made once per change instead of once per request.

A product API's served document is its shown document (`ProductAPI.document`) with the provider's
gateway as its server (live.gateway). Making it means parsing the document, which for a document
of a thousand operations costs more than everything else in the request; so it is made when its
inputs change and kept in `catalog.ServedDocument`, with its gzip form and ETag, and a request
only reads bytes:

- a product API saved (the Admin Portal, the Admin API, a sync's update) refreshes its row
  (`post_save`; a save that touched none of the inputs is skipped, and one whose inputs hash the
  same as the row's is a no-op);
- a provider saved refreshes the rows of its APIs whose gateway address changed;
- a row that is missing (APIs a sync adds in bulk, rows from before 0.8.0 the migration could not
  read) or names another address than the request's is made on the spot: correct, never stale,
  and then kept.
"""

import gzip
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db.models.signals import post_save

from forecourt.catalog import documents
from forecourt.catalog.models import ProductAPI, ServedDocument
from forecourt.providers.models import Provider

from . import gateway

# A save that touches none of these leaves the served document as it is.
INPUT_FIELDS = frozenset({"oas_document", "gateway_document", "document_source", "listen_path", "product"})


@dataclass(frozen=True)
class Prepared:
    inputs: str
    kind: str
    operations: int
    body: bytes
    gzipped: bytes
    etag: str

    def fields(self) -> dict[str, Any]:
        return {"inputs": self.inputs, "kind": self.kind, "operations": self.operations, "body": self.body,
                "gzipped": self.gzipped, "etag": self.etag}


def inputs_of(document: str, address: str) -> str:
    """The hash of what a served document is made from."""
    return hashlib.sha256(f"{address}\0{document}".encode("utf-8", "surrogatepass")).hexdigest()


def prepare(document: str, address: str) -> Prepared:
    """The served form of `document` with `address` as its server: the one place that parses it.
    A JSON document gets the gateway as its server; a YAML one is served as stored. Pure (no
    database), so the migration that fills existing rows uses it too."""
    parsed: Any = None
    try:
        parsed = json.loads(document)
        kind = "json"
    except ValueError:
        kind = "yaml"
    text = document
    if kind == "json":
        if gateway.insert_server(parsed, address):
            text = json.dumps(parsed, ensure_ascii=False, indent=2)
    else:
        try:
            parsed = documents.parse(document)[0]
        except (ValueError, documents.InvalidDocument):
            parsed = None
    operations = documents.count_operations(parsed) if isinstance(parsed, dict) else 0
    body = text.encode("utf-8", "surrogatepass")
    return Prepared(inputs=inputs_of(document, address), kind=kind, operations=operations, body=body,
                    gzipped=gzip.compress(body, compresslevel=6, mtime=0),
                    etag=f'W/"{hashlib.sha256(body).hexdigest()[:40]}"')


def address_of(api: ProductAPI, provider: Provider | None) -> str:
    return gateway.address(provider.gateway_url if provider is not None else "", api.listen_path)


def refresh(api: ProductAPI, address: str) -> ServedDocument | None:
    """Make (or remake) `api`'s served document for `address`; None (and no row) without a document."""
    document = api.document
    if not document:
        ServedDocument.objects.filter(api_id=api.pk).delete()
        return None
    inputs = inputs_of(document, address)
    row = ServedDocument.objects.filter(api_id=api.pk).only("inputs", "address").first()
    if row is not None and row.inputs == inputs and row.address == address:
        return ServedDocument.objects.defer("body", "gzipped").get(api_id=api.pk)
    prepared = prepare(document, address)
    row, _created = ServedDocument.objects.update_or_create(api_id=api.pk,
                                                            defaults={"address": address, **prepared.fields()})
    return row


def refresh_all() -> int:
    """Check every product API's served document against its inputs and remake the stale ones (an
    older release serving beside this one changed documents without them); returns how many APIs
    have one."""
    count = 0
    apis = ProductAPI.objects.select_related("product__provider").order_by("pk")
    for api in apis.iterator(chunk_size=100):
        if refresh(api, address_of(api, api.product.provider)) is not None:
            count += 1
    return count


def for_request(api: ProductAPI, provider: Provider | None) -> ServedDocument | None:
    """The served document for a request: the stored row (loaded with `api` by `with_served`) when it
    was made for today's gateway address, else made now."""
    address = address_of(api, provider)
    row: ServedDocument | None = getattr(api, "served", None) if _has_served(api) else None
    if row is not None and row.address == address:
        return row
    return refresh(api, address)


def _has_served(api: ProductAPI) -> bool:
    try:
        api.served  # noqa: B018 - loaded by select_related, or one query
    except ServedDocument.DoesNotExist:
        return False
    return True


def content(row: ServedDocument, gzipped: bool) -> bytes:
    """The bytes to send (only now read from the database: a 304 never loads them)."""
    column = "gzipped" if gzipped else "body"
    return bytes(ServedDocument.objects.filter(pk=row.pk).values_list(column, flat=True).get())


# -- keeping rows in step --------------------------------------------------------------------------

def _api_saved(sender: type[ProductAPI], instance: ProductAPI, update_fields: frozenset[str] | None = None,
               raw: bool = False, **_kwargs: Any) -> None:
    if raw or (update_fields is not None and not (set(update_fields) & INPUT_FIELDS)):
        return
    provider = Provider.objects.filter(products__apis=instance).only("gateway_url").first()
    refresh(instance, address_of(instance, provider))


def _provider_saved(sender: type[Provider], instance: Provider, raw: bool = False, **_kwargs: Any) -> None:
    if raw:
        return
    rows = ServedDocument.objects.filter(api__product__provider=instance).select_related("api") \
        .only("api_id", "address", "api__listen_path")
    for row in rows:
        address = gateway.address(instance.gateway_url, row.api.listen_path)
        if address != row.address:
            refresh(ProductAPI.objects.get(pk=row.api_id), address)


def connect() -> None:
    post_save.connect(_api_saved, sender=ProductAPI, dispatch_uid="forecourt.live.served_documents.api")
    post_save.connect(_provider_saved, sender=Provider, dispatch_uid="forecourt.live.served_documents.provider")
