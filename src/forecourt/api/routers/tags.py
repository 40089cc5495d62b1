"""/portal-api/tags and /portal-api/products/{id}/tags: Tyk's tags, over the tags products carry.

The rules are forecourt.api.tags': a tag is a name (compared without regard to case) that
products carry in their `Tags`, which the Live Portal's catalogue shows and filters by; `/tags`
gives each an ID, and renaming or deleting one changes every product that has it (each as a
product edit: audited, pushed to the provider, re-indexed for search).

A tag's `Posts` are the blog posts that carry it (forecourt.blog shares these Tag rows: renaming a
tag renames it on posts too, deleting it takes it off them); a post's item has no `AuthorID` (a post
names its author in words, `AuthorName` in /posts).

Divergences from Tyk, on purpose: a provider's
policy tag (the sync imports policies by it) cannot be renamed or deleted (409); a name is 1 to
100 characters without a comma (422).
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Status
from ninja.errors import HttpError

from forecourt.api import tags
from forecourt.blog.models import Post
from forecourt.catalog.models import Product, Tag

from .. import forms
from ..common import ERRORS, PagingQuery, PathId, StatusOut, actor, page_of
from ..compat import TykIn
from ..schemas_base import Out

router = Router(tags=["tags"])


class TagIn(TykIn):
    Name: str


class TagName(Out):
    Name: str


class TagOut(Out):
    ID: int
    Name: str


class TaggedProduct(Out):
    ID: int
    Name: str
    DisplayName: str
    Path: str
    ReferenceID: str
    ProviderID: int | None


class TaggedPost(Out):
    ID: int
    Title: str
    Lede: str
    Status: str
    Path: str


class TagDetail(TagOut):
    Posts: list[TaggedPost]
    Products: list[TaggedProduct]


def _detail(tag: Tag) -> TagDetail:
    return TagDetail(ID=tag.pk, Name=tag.name, Posts=[
        TaggedPost(ID=p.pk, Title=p.title, Lede=p.lede, Status=p.status, Path=p.path)
        for p in Post.objects.filter(tags=tag).order_by("-published_at", "-pk")], Products=[
        TaggedProduct(ID=p.pk, Name=p.name, DisplayName=p.display_name, Path=p.slug, ReferenceID=p.reference_id or "",
                      ProviderID=p.provider_id) for p in tags.products_with(tag.name)])


def _invalid(exc: ValidationError) -> forms.Invalid:
    return forms.Invalid(list(exc.messages))


def _tag(tag_id: int) -> Tag:
    tags.materialise()
    return get_object_or_404(Tag, pk=tag_id)


@router.get("/tags", response={200: list[TagOut], **ERRORS})
def list_tags(request: HttpRequest, paging: PagingQuery) -> list[TagOut]:
    """Every tag: those products carry and those created here, by name."""
    tags.materialise()
    return [TagOut(ID=t.pk, Name=t.name) for t in page_of(Tag.objects.order_by("folded", "pk"), paging)]


@router.post("/tags", response={201: TagDetail, **ERRORS})
def create_tag(request: HttpRequest, payload: TagIn) -> Status[Any]:
    """Create a tag (no product has it yet): 201, as Tyk's v1.14 answers. A name taken already
    (any case) is a 422."""
    try:
        tag = tags.create(payload.Name)
    except ValidationError as exc:
        raise _invalid(exc) from exc
    return Status(201, _detail(tag))


@router.get("/tags/{tag_id}", response={200: TagDetail, **ERRORS})
def get_tag(request: HttpRequest, tag_id: PathId) -> TagDetail:
    """A tag with the posts and the products that carry it."""
    return _detail(_tag(tag_id))


@router.put("/tags/{tag_id}", response={200: TagDetail, **ERRORS})
def update_tag(request: HttpRequest, tag_id: PathId, payload: TagIn) -> TagDetail:
    """Rename a tag, on every product that carries it. A name another tag has is a 422; a
    provider's policy tag is a 409; either changes nothing."""
    tag = _tag(tag_id)
    try:
        return _detail(tags.rename(tag, payload.Name, actor(request)))
    except ValidationError as exc:
        raise _invalid(exc) from exc
    except tags.PolicyTag as exc:
        raise HttpError(409, str(exc)) from exc


@router.delete("/tags/{tag_id}", response={200: StatusOut, **ERRORS})
def delete_tag(request: HttpRequest, tag_id: PathId) -> StatusOut:
    """Delete a tag: every product that carries it loses it. A provider's policy tag is a 409."""
    tag = _tag(tag_id)
    try:
        tags.delete(tag, actor(request))
    except tags.PolicyTag as exc:
        raise HttpError(409, str(exc)) from exc
    return StatusOut()


# A product's tags (Tyk's four operations: by name)


@router.get("/products/{product_id}/tags", response={200: list[TagName], **ERRORS})
def list_product_tags(request: HttpRequest, product_id: PathId) -> list[TagName]:
    """The product's tags, as its `Tags` lists them."""
    product = get_object_or_404(Product, pk=product_id)
    return [TagName(Name=name) for name in tags.names_of(product)]


@router.post("/products/{product_id}/tags", response={201: TagName, **ERRORS})
def attach_product_tag(request: HttpRequest, product_id: PathId, payload: TagIn) -> Status[Any]:
    """Give the product a tag (made if it is new): 201, as Tyk's v1.14 answers. One it has already
    (any case) is a 201 that changes nothing and answers the product's spelling (as attaching a
    post's tag twice is), so a script that attaches its tags every run needs no special case."""
    product = get_object_or_404(Product, pk=product_id)
    try:
        return Status(201, TagName(Name=tags.attach(product, payload.Name, actor(request))))
    except ValidationError as exc:
        raise _invalid(exc) from exc


@router.get("/products/{product_id}/tags/{tag_name}", response={200: TagName, **ERRORS})
def get_product_tag(request: HttpRequest, product_id: PathId, tag_name: str) -> TagName:
    """One of the product's tags, by name (any case); 404 if the product does not carry it."""
    name = tags.carried(get_object_or_404(Product, pk=product_id), tag_name)
    if name is None:
        raise Http404("the product has no tag of this name")
    return TagName(Name=name)


@router.delete("/products/{product_id}/tags/{tag_name}", response={200: StatusOut, **ERRORS})
def detach_product_tag(request: HttpRequest, product_id: PathId, tag_name: str) -> StatusOut:
    """Take a tag off the product (the tag itself stays); 404 if the product does not carry it."""
    if not tags.detach(get_object_or_404(Product, pk=product_id), tag_name, actor(request)):
        raise Http404("the product has no tag of this name")
    return StatusOut()
