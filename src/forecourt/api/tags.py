"""Tags with IDs (the Admin API's `/portal-api/tags`, Tyk's) over the tags products carry.

A product's tags are Product.tags: what the Live Portal's catalogue shows and filters by (its
public tags, forecourt.catalog.search), and what the provider's policy holds. This module gives
them IDs (catalog.Tag rows, one per tag whatever its case) and changes them on every product
that has them. Every change to a product goes through the product form both admin UIs share
(forecourt.api.forms.save): validated, audited, pushed to the provider and re-indexed for search
as any other product edit. Blog posts carry the same Tag rows (forecourt.blog): a rename shows on
them as it is, a deletion takes the tag off them with the row.

Rules:
- names are compared case-insensitively (as the catalogue's tag filter does); a product keeps
  its own spelling of a tag;
- a name is 1 to 100 characters without a comma (the product form's limits: tags are typed
  "a, b, c" there);
- a provider's policy tag (Provider.policy_tags: what the sync imports policies by) cannot be
  renamed or deleted here: that would drop the products from the next sync.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from forecourt.accounts.models import User
from forecourt.catalog.models import Product, Tag
from forecourt.providers.models import Provider

from . import forms

MAX_NAME = 100


class PolicyTag(Exception):
    """The tag is a provider's policy tag: renaming or deleting it would unpublish products at the next sync."""


def clean_name(raw: Any, field: str = "Name") -> str:
    name = raw.strip() if isinstance(raw, str) else ""
    if not name:
        raise ValidationError(f"{field}: a tag needs a name.")
    if len(name) > MAX_NAME:
        raise ValidationError(f"{field}: at most {MAX_NAME} characters.")
    if "," in name:
        raise ValidationError(f"{field}: a tag may not contain a comma.")
    return name


def _names(raw: Any) -> list[str]:
    return [str(t) for t in raw if isinstance(t, str) and t.strip()] if isinstance(raw, list) else []


def materialise() -> None:
    """A row for every tag a product carries that has none yet (one query to read, one to write)."""
    known = set(Tag.objects.values_list("folded", flat=True))
    missing: dict[str, str] = {}
    for tags in Product.objects.values_list("tags", flat=True):
        for name in _names(tags):
            name = name.strip()[:MAX_NAME]
            folded = name.casefold()
            if folded not in known and folded not in missing:
                missing[folded] = name
    if missing:
        Tag.objects.bulk_create([Tag(name=n, folded=f) for f, n in missing.items()], ignore_conflicts=True)


def products_with(name: str) -> list[Product]:
    """The products that carry the tag `name` (any case), by display name."""
    folded = name.casefold()
    ids = [pk for pk, tags in Product.objects.values_list("pk", "tags")
           if any(t.strip().casefold() == folded for t in _names(tags))]
    return list(Product.objects.filter(pk__in=ids).order_by("display_name", "pk"))


def _policy_tags() -> set[str]:
    return {str(t).casefold() for tags in Provider.objects.values_list("policy_tags", flat=True)
            for t in (tags or [])}


def _save_tags(product: Product, tags: list[str], actor: User) -> None:
    forms.save("products", {"tags": ", ".join(tags)}, actor, instance=product, names={"tags": "Tags"})


def create(name: str) -> Tag:
    """A new tag; one of that name (any case) already existing is a ValidationError."""
    name = clean_name(name)
    materialise()
    with transaction.atomic():
        if Tag.objects.filter(folded=name.casefold()).exists():
            raise ValidationError(f"Name: there is a tag named {name} already.")
        return Tag.objects.create(name=name, folded=name.casefold())


def rename(tag: Tag, new_name: str, actor: User) -> Tag:
    """Rename `tag` and the tag on every product that carries it."""
    new_name = clean_name(new_name)
    old = tag.name
    if old.casefold() in _policy_tags():  # even its case: the sync compares policy tags as they are spelt
        raise PolicyTag(f"{old} is a provider's policy tag: the sync imports products by it, so it cannot be "
                        "renamed here")
    with transaction.atomic():
        if Tag.objects.filter(folded=new_name.casefold()).exclude(pk=tag.pk).exists():
            raise ValidationError(f"Name: there is a tag named {new_name} already.")
        for product in products_with(old):
            tags = [new_name if t.strip().casefold() == old.casefold() else t for t in _names(product.tags)]
            _save_tags(product, tags, actor)
        tag.name, tag.folded = new_name, new_name.casefold()
        tag.save(update_fields=["name", "folded"])
    return tag


def delete(tag: Tag, actor: User) -> None:
    """Delete `tag`: it is taken off every product that carries it."""
    if tag.folded in _policy_tags():
        raise PolicyTag(f"{tag.name} is a provider's policy tag: the sync imports products by it, so it cannot "
                        "be deleted here")
    with transaction.atomic():
        for product in products_with(tag.name):
            _save_tags(product, [t for t in _names(product.tags) if t.strip().casefold() != tag.folded], actor)
        tag.delete()


def attach(product: Product, name: str, actor: User) -> str:
    """Give `product` the tag `name` (made if new); the name as the product carries it. Idempotent."""
    name = clean_name(name)
    with transaction.atomic():
        Tag.objects.bulk_create([Tag(name=name, folded=name.casefold())], ignore_conflicts=True)
        current = _names(product.tags)
        for tag in current:
            if tag.strip().casefold() == name.casefold():
                return tag
        _save_tags(product, [*current, name], actor)
    return name


def names_of(product: Product) -> list[str]:
    return _names(product.tags)


def carried(product: Product, name: str) -> str | None:
    """The product's spelling of the tag `name`, or None if it does not carry it."""
    folded = name.casefold()
    return next((t for t in _names(product.tags) if t.strip().casefold() == folded), None)


def detach(product: Product, name: str, actor: User) -> bool:
    """Take the tag `name` off `product` (the tag itself stays). False if it did not carry it."""
    if carried(product, name) is None:
        return False
    with transaction.atomic():
        _save_tags(product, [t for t in _names(product.tags) if t.strip().casefold() != name.casefold()], actor)
    return True
