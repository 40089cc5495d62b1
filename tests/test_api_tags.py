"""/portal-api/tags and /portal-api/products/{id}/tags: Tyk's tag operations over the tags products carry."""

import pytest

from forecourt.audit.models import AuditEntry
from forecourt.catalog.models import Product, ProductTag, Tag

from . import factories

pytestmark = pytest.mark.django_db


def _tags_of(product: Product) -> list[str]:
    product.refresh_from_db()
    return list(product.tags)


def _public(product: Product) -> list[str]:
    return sorted(ProductTag.objects.filter(product=product).values_list("tag", flat=True))


def test_tags_products_carry_are_listed_with_ids(api):
    factories.product(tags=["Payments", "beta"])
    factories.product(tags=["payments"])
    listed = api("get", "/tags")
    assert listed.status_code == 200, listed.content
    body = listed.json()
    assert [t["Name"] for t in body] == ["beta", "Payments"]  # one tag whatever its case
    assert all(isinstance(t["ID"], int) for t in body) and set(body[0]) == {"ID", "Name"}
    assert api("get", "/tags").json() == body  # stable IDs
    assert [t["Name"] for t in api("get", "/tags", per_page=1, page=2).json()] == ["Payments"]


def test_create_get_rename_and_delete_a_tag(api, admin):
    payments = factories.product(tags=["payments", "beta"], display_name="A payments")
    other = factories.product(tags=["Payments"], display_name="B payments")
    untagged = factories.product()

    created = api("post", "/tags", {"Name": "gold"})
    assert created.status_code == 201, created.content  # Tyk v1.14: 201 Tag-show-tags
    assert created.json() == {"ID": created.json()["ID"], "Name": "gold", "Posts": [], "Products": []}
    assert Tag.objects.filter(name="gold").exists()

    tag_id = next(t["ID"] for t in api("get", "/tags").json() if t["Name"].casefold() == "payments")
    shown = api("get", f"/tags/{tag_id}").json()
    assert [p["ID"] for p in shown["Products"]] == [payments.pk, other.pk]
    assert set(shown["Products"][0]) == {"ID", "Name", "DisplayName", "Path", "ReferenceID", "ProviderID"}
    assert shown["Products"][0]["Path"] == payments.slug

    renamed = api("put", f"/tags/{tag_id}", {"Name": "Billing"})
    assert renamed.status_code == 200, renamed.content
    assert renamed.json()["Name"] == "Billing" and len(renamed.json()["Products"]) == 2
    assert _tags_of(payments) == ["Billing", "beta"] and _tags_of(other) == ["Billing"]
    assert _public(payments) == ["Billing", "beta"]  # the catalogue's tag filter follows
    assert _tags_of(untagged) == []
    audited = AuditEntry.objects.filter(object_type="catalog.product", action="update", actor=admin)
    assert {e.object_id for e in audited} == {str(payments.pk), str(other.pk)}

    assert api("delete", f"/tags/{tag_id}").json() == {"status": "ok"}
    assert _tags_of(payments) == ["beta"] and _tags_of(other) == []
    assert _public(payments) == ["beta"] and _public(other) == []
    assert not Tag.objects.filter(pk=tag_id).exists()
    assert "Billing" not in [t["Name"] for t in api("get", "/tags").json()]


def test_tag_errors_have_the_envelope_and_change_nothing(api):
    product = factories.product(tags=["payments"])
    gold = api("post", "/tags", {"Name": "gold"}).json()["ID"]
    for body, error in (({"Name": ""}, "Name: a tag needs a name."),
                        ({"Name": "a,b"}, "Name: a tag may not contain a comma."),
                        ({"Name": "x" * 101}, "Name: at most 100 characters."),
                        ({"Name": "GOLD"}, "Name: there is a tag named GOLD already.")):
        response = api("post", "/tags", body)
        assert response.status_code == 422, (body, response.content)
        assert response.json() == {"status": "error", "errors": [error]}
    assert api("post", "/tags", {}).status_code == 422
    assert api("post", "/tags", {"Name": "x", "Colour": "red"}).status_code == 422
    taken = api("put", f"/tags/{gold}", {"Name": "Payments"})
    assert taken.status_code == 422 and taken.json()["errors"] == ["Name: there is a tag named Payments already."]
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["gold", "payments"]
    assert _tags_of(product) == ["payments"]
    for method in ("get", "put", "delete"):
        missing = api(method, "/tags/999999", {"Name": "x"} if method == "put" else None)
        assert missing.status_code == 404 and missing.json()["status"] == "error"


def test_a_providers_policy_tag_cannot_be_renamed_or_deleted(api):
    provider = factories.provider()
    provider.policy_tags = ["portal"]
    provider.save()
    product = factories.product(tags=["portal", "payments"], provider=provider, reference_id="pol-1")
    tag_id = next(t["ID"] for t in api("get", "/tags").json() if t["Name"] == "portal")
    for method, body in (("put", {"Name": "public"}), ("put", {"Name": "Portal"}), ("delete", None)):
        refused = api(method, f"/tags/{tag_id}", body)
        assert refused.status_code == 409, refused.content
        assert "policy tag" in refused.json()["errors"][0]
    assert _tags_of(product) == ["portal", "payments"]
    assert Tag.objects.filter(pk=tag_id).exists()


def test_a_products_tags(api, admin):
    product = factories.product(tags=["payments"])
    other = factories.product(tags=["gold"])
    base = f"/products/{product.pk}/tags"
    assert api("get", base).json() == [{"Name": "payments"}]

    added = api("post", base, {"Name": "Beta"})
    assert added.status_code == 201, added.content  # Tyk v1.14: 201 Product-Tag
    assert added.json() == {"Name": "Beta"}
    assert _tags_of(product) == ["payments", "Beta"] and _public(product) == ["Beta", "payments"]
    assert Tag.objects.filter(folded="beta").exists()
    again = api("post", base, {"Name": "PAYMENTS"})
    assert (again.status_code, again.json()) == (201, {"Name": "payments"})  # has it: nothing changes
    assert _tags_of(product) == ["payments", "Beta"]
    assert api("get", base).json() == [{"Name": "payments"}, {"Name": "Beta"}]

    assert api("get", f"{base}/beta").json() == {"Name": "Beta"}
    assert api("get", f"{base}/gold").status_code == 404  # another product's tag
    assert api("delete", f"{base}/gold").status_code == 404
    assert api("delete", f"{base}/beta").json() == {"status": "ok"}
    assert _tags_of(product) == ["payments"] and _public(product) == ["payments"]
    assert Tag.objects.filter(folded="beta").exists()  # the tag stays, without this product
    assert _tags_of(other) == ["gold"]
    assert AuditEntry.objects.filter(object_type="catalog.product", object_id=str(product.pk), actor=admin).count() == 2

    bad = api("post", base, {"Name": "a, b"})
    assert bad.status_code == 422 and bad.json()["errors"] == ["Name: a tag may not contain a comma."]
    for method, path in (("get", "/products/999999/tags"), ("post", "/products/999999/tags"),
                         ("get", "/products/999999/tags/x"), ("delete", "/products/999999/tags/x")):
        missing = api(method, path, {"Name": "x"} if method == "post" else None)
        assert missing.status_code == 404 and missing.json()["status"] == "error", path
    assert _tags_of(product) == ["payments"]
