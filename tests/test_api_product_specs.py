"""/portal-api/products/{id}/spec-details (Tyk's specifications of a documentation product, without a provider
API) and PUT /products/{id}/api-details/{api_id}: the same OpenAPI rules as an API's portal document."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from forecourt.audit.models import AuditEntry
from forecourt.catalog.models import ProductAPI, ProductSpec

from . import factories
from .test_openapi_documents import PETS_30, STORE_31, body, http_server

pytestmark = pytest.mark.django_db


@pytest.fixture
def private_targets_allowed(settings):
    settings.DOCUMENT_IMPORT_ALLOW_PRIVATE_TARGETS = True


def ok(response, status=200):
    assert response.status_code == status, response.content
    return response.json()


def test_create_list_get_update_delete_a_specification(api):
    product = factories.product(documentation_only=True)
    created = ok(api("post", f"/products/{product.pk}/spec-details",
                     {"SpecAlias": "payments", "Name": "Payments", "CID": "2r7p8a"}), 201)
    assert created == {"ID": created["ID"], "Name": "Payments", "SpecAlias": "payments", "OASUrl": ""}
    base = f"/products/{product.pk}/spec-details"
    assert ok(api("get", base)) == [created]
    assert ok(api("get", f"{base}/{created['ID']}")) == created
    assert ok(api("put", f"{base}/{created['ID']}", {"Name": "Payments v2"}))["Name"] == "Payments v2"
    assert ok(api("get", f"{base}/{created['ID']}"))["SpecAlias"] == "payments"  # left out: kept
    assert AuditEntry.objects.filter(object_id=str(created["ID"]), action="update").get().changes["name"] == [
        "Payments", "Payments v2"]
    assert ok(api("delete", f"{base}/{created['ID']}")) == {"status": "ok"}
    assert api("get", f"{base}/{created['ID']}").status_code == 404 and ok(api("get", base)) == []


def test_a_specification_needs_its_alias(api):
    product = factories.product()
    answer = api("post", f"/products/{product.pk}/spec-details", {"Name": "No alias"})
    assert answer.status_code == 422 and answer.json()["errors"][0].startswith("SpecAlias:")
    assert not ProductSpec.objects.exists()


def test_another_products_specification_is_a_404(api):
    mine, other = factories.product(), factories.product()
    spec = ProductSpec.objects.create(product=other, spec_alias="theirs", oas_document=PETS_30)
    for method in ("get", "delete"):
        assert api(method, f"/products/{mine.pk}/spec-details/{spec.pk}").status_code == 404
        assert api(method, f"/products/{mine.pk}/spec-details/{spec.pk}/oas").status_code == 404
    assert api("put", f"/products/{mine.pk}/spec-details/{spec.pk}", {"Name": "x"}).status_code == 404
    assert api("put", f"/products/{mine.pk}/spec-details/{spec.pk}/oas", PETS_30).status_code == 404
    assert api("get", "/products/999999/spec-details").status_code == 404
    spec.refresh_from_db()
    assert (spec.name, spec.oas_document) == ("", PETS_30)


def test_its_document_is_uploaded_checked_read_and_removed(api, client, admin):
    from forecourt.accounts import tokens

    product = factories.product()
    spec = ProductSpec.objects.create(product=product, spec_alias="pets")
    path = f"/products/{product.pk}/spec-details/{spec.pk}/oas"
    assert api("get", path).status_code == 404
    upload = SimpleUploadedFile("pets.yaml", PETS_30.encode(), content_type="application/yaml")
    answer = client.post(f"/portal-api{path}", {"file": upload}, headers={"Authorization": tokens.issue(admin)})
    assert ok(answer) == {"Title": "Pets", "Version": "1.2.0", "OpenAPI": "3.0.3", "Operations": 3, "Format": "yaml"}
    read = api("get", path)
    assert read.status_code == 200 and read.content.decode() == PETS_30
    assert read["Content-Type"].startswith("application/yaml")
    assert ok(api("put", path, STORE_31))["Format"] == "json"
    assert api("get", path)["Content-Type"] == "application/json"
    assert ok(api("delete", path)) == {"status": "ok"}
    assert api("get", path).status_code == 404 and ok(api("get", f"/products/{product.pk}/spec-details/{spec.pk}"))


def test_an_invalid_document_is_a_422_with_its_lines_and_changes_nothing(api):
    spec = ProductSpec.objects.create(product=factories.product(), spec_alias="pets", oas_document=PETS_30)
    answer = api("put", f"/products/{spec.product_id}/spec-details/{spec.pk}/oas",
                 "openapi: 3.0.3\ninfo:\n  title: Broken\npaths: {}\n")
    assert answer.status_code == 422, answer.content
    assert answer.json()["status"] == "error" and any("line" in e for e in answer.json()["errors"])
    swagger = api("put", f"/products/{spec.product_id}/spec-details/{spec.pk}/oas", '{"swagger": "2.0"}')
    assert swagger.status_code == 422
    spec.refresh_from_db()
    assert spec.oas_document == PETS_30


def test_oas_url_is_imported_through_the_guard_and_kept(api, private_targets_allowed):
    product = factories.product()
    with http_server({"/pets.yaml": body(PETS_30), "/broken.yaml": body("openapi: 3.0.3\n")}) as base:
        created = ok(api("post", f"/products/{product.pk}/spec-details",
                         {"SpecAlias": "pets", "OASUrl": f"{base}/pets.yaml"}), 201)
        spec = ProductSpec.objects.get(pk=created["ID"])
        assert (created["OASUrl"], spec.oas_document) == (f"{base}/pets.yaml", PETS_30)
        refused = api("put", f"/products/{product.pk}/spec-details/{spec.pk}", {"OASUrl": f"{base}/broken.yaml"})
        assert refused.status_code == 422 and refused.json()["errors"][0].startswith("OASUrl:")
    # Sent back unchanged (the server is gone): not fetched again.
    assert ok(api("put", f"/products/{product.pk}/spec-details/{spec.pk}", created)) == created


def test_a_private_oas_url_is_refused_by_default(api):
    product = factories.product()
    answer = api("post", f"/products/{product.pk}/spec-details",
                 {"SpecAlias": "x", "OASUrl": "http://169.254.169.254/latest/meta-data"})
    assert answer.status_code == 422 and not ProductSpec.objects.exists()


def test_an_api_is_renamed_and_its_document_imported_by_put(api, private_targets_allowed):
    product = factories.product()
    ProductAPI.objects.create(product=product, api_id="a1", name="Alpha", listen_path="/a/", auth_type="authToken")
    path = f"/products/{product.pk}/api-details/a1"
    with http_server({"/pets.yaml": body(PETS_30)}) as base:
        answer = api("put", path, {"Name": "Alpha v2", "OASUrl": f"{base}/pets.yaml", "Description": "x",
                                   "Status": True, "APIID": "a1", "ListenPath": "/a/", "APIType": "authToken"})
    assert ok(answer) == {"APIID": "a1", "APIType": "authToken", "ListenPath": "/a/", "Name": "Alpha v2"}
    assert "Description" in answer["Warning"] and "Status" in answer["Warning"]
    stored = ProductAPI.objects.get(api_id="a1")
    assert (stored.name, stored.oas_document) == ("Alpha v2", PETS_30)
    assert api("put", f"/products/{factories.product().pk}/api-details/a1", {"Name": "x"}).status_code == 404
    assert ok(api("put", path, ok(api("get", path))))["Name"] == "Alpha v2"  # GET then PUT: unchanged


def test_the_admin_portal_lists_and_edits_specifications(client, admin):
    client.force_login(admin)
    product = factories.product()
    spec = ProductSpec.objects.create(product=product, spec_alias="pets", name="Pets")
    assert "Pets" in client.get(f"/portal-admin/products/{product.pk}/").content.decode()
    form = {"product": product.pk, "name": "Pets", "spec_alias": "pets", "oas_document": "not: openapi"}
    response = client.post(f"/portal-admin/product-specs/{spec.pk}/", form)
    assert response.status_code == 200 and response.context["form"].errors["oas_document"]
    response = client.post(f"/portal-admin/product-specs/{spec.pk}/", {**form, "oas_document": PETS_30})
    assert response.status_code == 302
    spec.refresh_from_db()
    assert spec.oas_document == PETS_30
