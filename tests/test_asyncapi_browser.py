"""The Live Portal's AsyncAPI reference in a real browser: the vendored AsyncAPI component (loaded from the
portal, started by the portal's own script, no inline script) fetches a specification's AsyncAPI 3.0
document from the portal and shows its channels, under the page's real Content-Security-Policy, with no
violation and no page error."""

import pytest

from forecourt.catalog.models import ProductSpec

from .test_asyncapi import STREETLIGHTS_3
from .test_live_catalogue import product
from .test_live_graphql import public


@pytest.mark.browser
def test_the_asyncapi_component_shows_a_channel_under_the_pages_policy(browser, live_server, transactional_db):
    from playwright.sync_api import expect

    item = product("Street lights", [public()], documentation_only=True)
    spec = ProductSpec.objects.create(product=item, spec_alias="lights", name="Light events",
                                      asyncapi_document=STREETLIGHTS_3)
    problems: list[str] = []
    page = browser.new_page()  # its context is closed by the fixture after the test
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("request", lambda r: None if r.url.startswith((live_server.url, "blob:", "data:"))
            else problems.append(f"request to {r.url}"))
    response = page.goto(f"{live_server.url}/catalogue-products/{item.slug}/specs/{spec.pk}/asyncapi")
    assert response is not None and response.status == 200
    assert "'unsafe-inline'" not in response.headers["content-security-policy"].split("script-src")[1].split(";")[0]
    # The channel's address, as the component shows it (the document's own text, not the page's): the
    # component fetched the document from the portal and parsed it in the page.
    reference = page.locator("[data-asyncapi]")
    try:
        expect(reference).to_contain_text("smartylighting/streetlights/1/0/event/{streetlightId}/lighting/measured",
                                          timeout=30_000)
        expect(reference).to_contain_text("Streetlights Kafka API", timeout=10_000)
    except AssertionError:
        problems.append("the component did not show the channel")
    page.wait_for_timeout(500)
    assert problems == []
