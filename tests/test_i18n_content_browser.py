"""Translating content in a real browser (chromium): an admin opens a product's German section, sees each
field's default text beside its input (stacked on a phone), saves a translation, and a German reader of
the Live Portal gets it. Screenshots go to the test's tmp_path."""

import pytest

from forecourt.catalog.models import Product

from . import factories
from .test_i18n_browser import PHONE, new_page, sign_in_admin

pytestmark = [pytest.mark.server, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _boxes(page, field: str) -> tuple[dict, dict]:
    row = page.locator(f"#id_translations_de_{field}")
    original = page.locator(f"#id_translations_de_{field}_original")
    return original.bounding_box(), row.bounding_box()


def _open_german(page):
    german = page.locator("details.translation-language", has=page.locator("summary span[lang=de]"))
    if german.get_attribute("open") is None:
        german.locator("summary").click()
    return german


def test_an_admin_translates_a_product_side_by_side(browser, live_server, admin, tmp_path):
    from playwright.sync_api import expect

    product = factories.product(display_name="Payments", description="Move money safely.", published=True)
    factories.catalogue(products=[product])
    page = new_page(browser, live_server)
    sign_in_admin(page, admin)
    page.goto(f"/portal-admin/products/{product.pk}/")
    german = _open_german(page)
    expect(german.get_by_label("Display name in Deutsch")).to_be_visible()
    original, field = _boxes(page, "description")
    # Side by side: the default text on the left, its translation's input on the right, on one row.
    assert original["x"] + original["width"] <= field["x"] and abs(original["y"] - field["y"]) < 40
    page.screenshot(path=tmp_path / "side-by-side.png", full_page=True)

    german.get_by_label("Display name in Deutsch").fill("Zahlungen")
    german.get_by_label("Description in Deutsch").fill("Geld sicher bewegen.")
    with page.expect_navigation():
        page.get_by_role("button", name="Save", exact=True).click()
    product.refresh_from_db()
    assert product.translations == {"de": {"display_name": "Zahlungen", "description": "Geld sicher bewegen."}}

    reader = new_page(browser, live_server, locale="de-DE")
    reader.goto("/catalogue-products")
    expect(reader.get_by_text("Zahlungen").first).to_be_visible()
    expect(reader.get_by_text("Geld sicher bewegen.").first).to_be_visible()
    assert Product.objects.get(pk=product.pk).display_name == "Payments"  # the default text is untouched

    phone = new_page(browser, live_server, viewport=PHONE)
    sign_in_admin(phone, admin)
    phone.goto(f"/portal-admin/products/{product.pk}/")
    _open_german(phone)  # open already: it holds translations
    original, field = _boxes(phone, "description")
    assert original["y"] + original["height"] <= field["y"]  # stacked: the default text above its translation
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    phone.screenshot(path=tmp_path / "stacked.png", full_page=True)
