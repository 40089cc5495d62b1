"""AsyncAPI documents of product specifications (forecourt.catalog.asyncapi): the rule (2.x and 3.x accepted
against the official schemas; 1.x, OpenAPI, other text, broken YAML and external references refused naming
why, nothing saved), the Admin Portal's form and the Admin API (`/products/{id}/spec-details/{spec_id}/
asyncapi`), and the Live Portal: the product page lists it, its docs page loads the vendored component with
the document's address, the download serves the document as it was given; outsiders get 404s."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from forecourt.audit.models import AuditEntry
from forecourt.catalog import asyncapi
from forecourt.catalog.documents import InvalidDocument
from forecourt.catalog.models import ProductSpec

from . import factories
from .test_live_catalogue import audience, private, product
from .test_live_graphql import public

pytestmark = pytest.mark.django_db

STREETLIGHTS_3 = """\
asyncapi: 3.0.0
info:
  title: Streetlights Kafka API
  version: 1.0.0
  description: Turn the lights on and off, and hear how bright they are.  # comments are kept
channels:
  lightingMeasured:
    address: smartylighting/streetlights/1/0/event/{streetlightId}/lighting/measured
    parameters:
      streetlightId:
        description: The ID of the streetlight.
    messages:
      lightMeasured:
        $ref: '#/components/messages/lightMeasured'
operations:
  receiveLightMeasurement:
    action: receive
    channel:
      $ref: '#/channels/lightingMeasured'
    messages:
      - $ref: '#/channels/lightingMeasured/messages/lightMeasured'
components:
  messages:
    lightMeasured:
      name: lightMeasured
      title: Light measured
      payload:
        type: object
        properties:
          lumens:
            type: integer
            minimum: 0
"""

ACCOUNTS_2 = {
    "asyncapi": "2.6.0",
    "info": {"title": "Account events", "version": "2.1.0"},
    "channels": {
        "user/signedup": {"subscribe": {"message": {"payload": {"type": "object",
                                                                  "properties": {"email": {"type": "string"}}}}}},
        "user/deleted": {"publish": {"message": {"$ref": "#/components/messages/Deleted"}}},
    },
    "components": {"messages": {"Deleted": {"payload": {"type": "string"}}}},
}


def refused(text: str) -> str:
    with pytest.raises(InvalidDocument) as caught:
        asyncapi.check(text)
    return " | ".join(caught.value.messages)


# -- the rule ---------------------------------------------------------------------------------------

def test_asyncapi_3_and_2_documents_are_accepted_and_summarised():
    three = asyncapi.check(STREETLIGHTS_3)
    assert (three.title, three.version, three.asyncapi, three.channels, three.operations, three.format) == \
        ("Streetlights Kafka API", "1.0.0", "3.0.0", 1, 1, "yaml")
    two = asyncapi.check(json.dumps(ACCOUNTS_2, indent=2))
    assert (two.asyncapi, two.channels, two.operations, two.format) == ("2.6.0", 2, 2, "json")
    for version in ("2.0.0", "2.3.0", "3.1.0"):  # each checked against its own schema
        assert asyncapi.check(json.dumps({**ACCOUNTS_2, "asyncapi": version}) if version.startswith("2")
                              else STREETLIGHTS_3.replace("3.0.0", version, 1)).asyncapi == version


def test_what_is_not_an_asyncapi_2_or_3_document_is_refused_saying_why():
    one = refused("asyncapi: 1.2.0\ninfo: {title: Old, version: '1'}\ntopics: {}\n")
    assert "line 1" in one and "AsyncAPI 1.2.0 is not a version the portal takes" in one and "1.x" in one
    assert "2.0.0 to 2.6.0" in one
    assert "OpenAPI document, not an AsyncAPI one" in refused("openapi: 3.1.0\ninfo: {title: x, version: '1'}\n")
    assert "no `asyncapi` field" in refused("title: a shopping list\nitems: [eggs]\n")
    assert "not valid YAML" in refused("asyncapi: 3.0.0\ninfo: [unclosed\n") and "line" in refused("a: [\n")
    assert "must be text" in refused("asyncapi: 3.0\ninfo: {title: x, version: '1'}\n")
    assert "the document is empty" in refused("  \n")
    # The schema: what is missing or wrong, where.
    missing = refused(STREETLIGHTS_3.replace("  version: 1.0.0\n", "", 1))
    assert "line 2" in missing and "info.version is required" in missing
    wrong = refused(STREETLIGHTS_3.replace("action: receive", "action: listen"))
    assert "operations.receiveLightMeasurement" in wrong
    # References: to nowhere, or outside the document.
    assert "points to nothing" in refused(STREETLIGHTS_3.replace("#/components/messages/lightMeasured",
                                                                 "#/components/messages/gone"))
    outside = refused(STREETLIGHTS_3.replace("'#/components/messages/lightMeasured'", "'messages.yaml#/light'"))
    assert "outside the document" in outside and "bundle" in outside
    too_big = refused("asyncapi: 3.0.0\n#" + "x" * (5 * 1024 * 1024))
    assert "the limit is 5 MB" in too_big


# -- the Admin Portal -------------------------------------------------------------------------------

def test_the_admin_portal_saves_an_asyncapi_document_and_refuses_a_bad_one_saving_nothing(client, admin):
    client.force_login(admin)
    item = factories.product()
    spec = ProductSpec.objects.create(product=item, spec_alias="lights", name="Lights")
    form = {"product": item.pk, "name": "Lights", "spec_alias": "lights", "oas_document": "", "graphql_schema": ""}
    bad = client.post(f"/portal-admin/product-specs/{spec.pk}/", {**form, "asyncapi_document": "asyncapi: 1.2.0\n"})
    assert bad.status_code == 200 and "AsyncAPI 1.2.0" in str(bad.context["form"].errors["asyncapi_document"])
    broken = client.post(f"/portal-admin/product-specs/{spec.pk}/",
                         {**form, "asyncapi_file": SimpleUploadedFile("lights.yaml", b"asyncapi: [\n")})
    assert broken.status_code == 200 and "not valid YAML" in str(broken.context["form"].errors["asyncapi_file"])
    spec.refresh_from_db()
    assert spec.asyncapi_document == "" and not AuditEntry.objects.filter(object_id=str(spec.pk)).exists()
    good = client.post(f"/portal-admin/product-specs/{spec.pk}/",
                       {**form, "asyncapi_file": SimpleUploadedFile("lights.yaml", STREETLIGHTS_3.encode())},
                       follow=True)
    assert good.status_code == 200 and "AsyncAPI 3.0.0" in good.content.decode()  # the saved note's summary
    spec.refresh_from_db()
    assert spec.asyncapi_document == STREETLIGHTS_3  # as given, comments and all
    assert "smartylighting" in client.get(f"/portal-admin/product-specs/{spec.pk}/").content.decode()
    cleared = client.post(f"/portal-admin/product-specs/{spec.pk}/", {**form, "asyncapi_document": ""})
    assert cleared.status_code == 302
    spec.refresh_from_db()
    assert spec.asyncapi_document == ""


# -- the Admin API ----------------------------------------------------------------------------------

def test_the_admin_api_puts_uploads_reads_and_removes_an_asyncapi_document(api, client, admin):
    item = factories.product()
    spec = ProductSpec.objects.create(product=item, spec_alias="accounts", name="Accounts")
    path = f"/products/{item.pk}/spec-details/{spec.pk}/asyncapi"
    assert api("get", path).status_code == 404
    refused_answer = api("put", path, "openapi: 3.0.3\n")
    assert refused_answer.status_code == 422 and "not an AsyncAPI one" in json.dumps(refused_answer.json())
    spec.refresh_from_db()
    assert spec.asyncapi_document == ""
    text = json.dumps(ACCOUNTS_2, indent=2)
    answer = api("put", path, text)
    assert answer.status_code == 200, answer.content
    assert answer.json() == {"Title": "Account events", "Version": "2.1.0", "AsyncAPI": "2.6.0", "Channels": 2,
                             "Operations": 2, "Format": "json"}
    read = api("get", path)
    assert read.status_code == 200 and read.content.decode() == text and read["Content-Type"] == "application/json"
    from forecourt.accounts import tokens

    uploaded = client.post(f"/portal-api{path}", {"file": SimpleUploadedFile("lights.yaml", STREETLIGHTS_3.encode())},
                           headers={"Authorization": tokens.issue(admin)})
    assert uploaded.status_code == 200 and uploaded.json()["AsyncAPI"] == "3.0.0"
    assert api("get", path).content.decode() == STREETLIGHTS_3
    assert AuditEntry.objects.filter(object_id=str(spec.pk)).count() == 2
    other = factories.product()
    assert api("get", f"/products/{other.pk}/spec-details/{spec.pk}/asyncapi").status_code == 404
    assert api("delete", path).status_code == 200
    spec.refresh_from_db()
    assert spec.asyncapi_document == "" and ProductSpec.objects.filter(pk=spec.pk).exists()


# -- the Live Portal --------------------------------------------------------------------------------

def test_the_product_page_lists_it_and_its_docs_page_loads_the_vendored_component(client):
    item = product("Street lights", [public()], documentation_only=True)
    spec = ProductSpec.objects.create(product=item, spec_alias="lights", name="Light events",
                                      asyncapi_document=STREETLIGHTS_3)
    page = client.get(f"/catalogue-products/{item.slug}").content.decode()
    docs_url = f"/catalogue-products/{item.slug}/specs/{spec.pk}/asyncapi"
    assert f'href="{docs_url}"' in page and f'href="{docs_url}/document"' in page and "Light events" in page
    docs = client.get(docs_url)
    assert docs.status_code == 200
    html = docs.content.decode()
    assert f'data-document-url="{docs_url}/document"' in html
    assert '/static/live/vendor/asyncapi/asyncapi-standalone.js' in html and "/static/live/asyncapi-start.js" in html
    assert "smartylighting" not in html  # fetched by the component, never written into the page
    policy = docs["Content-Security-Policy"]
    script_src = policy.split("script-src")[1].split(";")[0]
    assert "'unsafe-inline'" not in script_src and "'nonce-" in script_src
    # 'unsafe-eval' for the component's parser (views.ASYNCAPI_EXTRA), in script-src, on this page only.
    assert "'unsafe-eval'" in script_src and policy.count("'unsafe-eval'") == 1
    assert "unsafe-eval" not in client.get(f"/catalogue-products/{item.slug}")["Content-Security-Policy"]
    for path in ("live/vendor/asyncapi/asyncapi-standalone.js", "live/vendor/asyncapi/default.min.css",
                 "live/asyncapi-start.js", "live/vendor/asyncapi/LICENSE"):
        response = client.get(f"/static/{path}")
        assert response.status_code == 200, path
        b"".join(response.streaming_content)


def test_the_download_is_the_document_as_given_with_its_type_and_name(client):
    item = product("Accounts", [public()])
    yaml_spec = ProductSpec.objects.create(product=item, spec_alias="lights", asyncapi_document=STREETLIGHTS_3)
    text = json.dumps(ACCOUNTS_2, indent=2)
    json_spec = ProductSpec.objects.create(product=item, spec_alias="accounts", asyncapi_document=text)
    yaml_answer = client.get(f"/catalogue-products/{item.slug}/specs/{yaml_spec.pk}/asyncapi/document")
    assert yaml_answer.status_code == 200 and yaml_answer.content.decode() == STREETLIGHTS_3
    assert yaml_answer["Content-Type"] == "application/yaml; charset=utf-8"
    assert yaml_answer["Content-Disposition"] == f'attachment; filename="{item.slug}-asyncapi-{yaml_spec.pk}.yaml"'
    assert "sandbox" in yaml_answer["Content-Security-Policy"] and yaml_answer["X-Content-Type-Options"] == "nosniff"
    json_answer = client.get(f"/catalogue-products/{item.slug}/specs/{json_spec.pk}/asyncapi/document")
    assert json_answer.content.decode() == text and json_answer["Content-Type"] == "application/json"
    assert json_answer["Content-Disposition"].endswith(f'-asyncapi-{json_spec.pk}.json"')


def test_outsiders_get_404s_and_an_audience_member_reads_it(client):
    partners = private("Partners")
    hidden = product("Partner events", [partners])
    spec = ProductSpec.objects.create(product=hidden, spec_alias="s", asyncapi_document=STREETLIGHTS_3)
    paths = (f"specs/{spec.pk}/asyncapi", f"specs/{spec.pk}/asyncapi/document")
    for path in paths:  # a visitor
        assert client.get(f"/catalogue-products/{hidden.slug}/{path}").status_code == 404
    outsider = factories.consumer()
    client.force_login(outsider)
    for path in paths:  # a consumer of another organisation
        assert client.get(f"/catalogue-products/{hidden.slug}/{path}").status_code == 404
    member = factories.consumer(factories.organisation("Partners Ltd"))
    audience(partners, organisation=member.organisation)
    client.force_login(member)
    for path in paths:
        assert client.get(f"/catalogue-products/{hidden.slug}/{path}").status_code == 200
    shown = product("Shown", [public()])
    bare = ProductSpec.objects.create(product=shown, spec_alias="bare")
    for path in (f"specs/{bare.pk}/asyncapi", f"specs/{bare.pk}/asyncapi/document",  # nothing to show
                 f"specs/{spec.pk}/asyncapi"):  # another product's specification
        assert client.get(f"/catalogue-products/{shown.slug}/{path}").status_code == 404
