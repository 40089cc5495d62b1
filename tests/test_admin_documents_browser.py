"""An admin uploads an API's OpenAPI document in a real browser and sees what the portal made of it."""

import pytest

from . import factories
from .conftest import PASSWORD
from .test_admin_browser import expect_flash, field, page, shot  # noqa: F401 (the page fixture)
from .test_openapi_documents import BROKEN_30, PETS_30

pytestmark = [pytest.mark.server, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_admin_uploads_an_openapi_document_and_sees_its_operation_count(page, admin, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    from forecourt.catalog.models import ProductAPI

    api = ProductAPI.objects.create(product=factories.product(display_name="Pet Shop"), name="Pets API",
                                    api_id="pets", auth_type="authToken")
    (tmp_path / "broken.yaml").write_text(BROKEN_30)
    (tmp_path / "pets.yaml").write_text(PETS_30)

    page.goto("/portal-admin/sign-in/")
    page.get_by_label("E-mail").fill(admin.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"/portal-admin/product-apis/{api.pk}/")
    expect(page.get_by_text("Shown now: none (no document yet).")).to_be_visible()
    expect(field(page, "The gateway's OpenAPI document")).to_have_value("None: the gateway has not provided one.")

    # A broken file: each problem is listed under the field, with its line.
    field(page, "Upload an OpenAPI document").set_input_files(tmp_path / "broken.yaml")
    page.get_by_role("button", name="Save").click()
    errors = page.locator("#id_document_file_error")
    expect(errors).to_contain_text("line 7, column 5: paths./pets.get.responses is required")
    expect(errors.get_by_role("listitem")).to_have_count(2)
    shot(page, "product-api-document-problems")

    # A good one: saved, with its title, version and operation count.
    field(page, "Upload an OpenAPI document").set_input_files(tmp_path / "pets.yaml")
    page.get_by_role("button", name="Save").click()
    expect_flash(page, "Its OpenAPI document: “Pets” 1.2.0 (OpenAPI 3.0.3), 3 operations.")
    page.goto(f"/portal-admin/product-apis/{api.pk}/")
    expect(page.get_by_text("Shown now: the portal's document, “Pets” 1.2.0 (OpenAPI 3.0.3), 3 operations.")) \
        .to_be_visible()
    expect(field(page, "Or paste it (the portal's OpenAPI document)")).to_have_value(PETS_30)
    shot(page, "product-api-document")
    api.refresh_from_db()
    assert (api.oas_document, api.gateway_document) == (PETS_30, "")
