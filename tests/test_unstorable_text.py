"""Text that cannot be stored (NUL characters, lone surrogates) is refused where it comes in
(forecourt.ops.unstorable), naming the field, and changes nothing: the Admin API's parser (every
write operation of the OpenAPI document, so a new one is covered without a change
here), every form (the Admin Portal's resources, the Live Portal's account forms, Django's own
sign-in form, multipart posts), and the paths and query strings of every page (searches).
"""

import json
import re
from pathlib import Path

import pytest
from django import forms
from django.apps import apps
from django.test import Client
from django.urls import reverse

from forecourt.accounts.models import ApiToken, Team, Throttle
from forecourt.adminportal.registry import RESOURCES
from forecourt.catalog.models import ProductDoc
from forecourt.ops import unstorable
from forecourt.portalconfig.models import PortalSettings

from . import factories
from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

BAD = {"surrogate": "\ud800", "nul": "a\x00b"}
REASON = {"surrogate": "unpaired surrogate", "nul": "NUL character"}


def snapshot() -> dict[str, list[dict]]:
    """Every row of every model, except what requests touch by design: a token's last use, the
    throttles' counts (a refused sign-up takes a place and gives it back) and the settings' row
    (made with its defaults when first read)."""
    PortalSettings.load()
    rows = {}
    for model in apps.get_models():
        if model in (ApiToken, Throttle) or model._meta.app_label in ("sessions", "contenttypes", "auth"):
            continue
        rows[model._meta.label] = list(model.objects.order_by("pk").values())
    return rows


def test_what_cannot_be_stored():
    assert unstorable.problem("Grüße, 日本 🚀") is None
    assert unstorable.problem("a\x00b") == unstorable.NUL
    assert unstorable.problem("\udfff") == unstorable.SURROGATE
    assert unstorable.problem("\ud83d\ude80") == unstorable.SURROGATE  # a pair spelt as two escapes, unjoined
    assert unstorable.problems({"Name": "ok", "Tags": ["a", "b", "\ud800"], "Meta": {"x\x00": 1}}) == [
        f"Tags[2]: {unstorable.SURROGATE}", f"Meta.x\\x00: (a key) {unstorable.NUL}"]


# --- the Admin API --------------------------------------------------------------------------------

def _document() -> dict:
    """The committed document, which tests/test_api_openapi.py keeps equal to what the code generates."""
    return json.loads((Path(__file__).parents[1] / "docs" / "openapi.json").read_text())


def _resolve(document: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _string_field(document: dict, schema: dict) -> str:
    """The first property of a body schema that takes a string (else a name the check sees first)."""
    for name, prop in _resolve(document, schema).get("properties", {}).items():
        options = [_resolve(document, p) for p in prop.get("anyOf", [prop])]
        if any(option.get("type") == "string" for option in options):
            return name
    return "Name"


def write_operations() -> list[tuple[str, str, str]]:
    document = _document()
    found = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if method in ("post", "put", "patch") and body:
                found.append((method, path, _string_field(document, body["schema"])))
    return found


def test_the_document_has_the_write_operations_the_review_found():
    paths = {path for _, path, _ in write_operations()}
    for resource in ("providers", "plans", "catalogues", "organisations", "products", "apps"):
        assert f"/portal-api/{resource}" in paths
    assert "/portal-api/organisations/{organisation_id}/teams/{team_id}" in paths
    assert len(write_operations()) >= 30


@pytest.fixture
def existing(admin):
    """One object for each ID an operation's path names, so that updates have something to change."""
    organisation = factories.organisation()
    team = factories.team(organisation)
    owner = factories.consumer(organisation)
    request = factories.pending_request(owner)
    product = factories.product()
    catalogue = factories.catalogue(products=[product])
    from forecourt.accounts.models import InviteCode

    return {"organisation_id": organisation.pk, "team_id": team.pk, "user_id": owner.pk,
            "access_request_id": request.pk, "app_id": request.app_id, "product_id": product.pk,
            "plan_id": factories.plan().pk, "catalogue_id": catalogue.pk, "provider_id": factories.provider().pk,
            "doc_id": ProductDoc.objects.create(product=product, title="Doc").pk,
            "code_id": InviteCode.objects.create(organisation=organisation, team=team).pk}


@pytest.mark.parametrize("kind", BAD)
def test_every_api_write_operation_refuses_unstorable_text_naming_the_field(api, existing, kind):
    before = snapshot()
    checked = 0
    for method, path, field in write_operations():
        url = re.sub(r"\{(\w+)\}", lambda m: str(existing.get(m.group(1), 1)), path).removeprefix("/portal-api")
        response = api(method, url, json.dumps({field: BAD[kind]}))
        assert response.status_code == 422, (method, path, response.content)
        errors = response.json()["errors"]
        assert response.json()["status"] == "error"
        assert errors == [(f"{field}: contains {'an' if kind == 'surrogate' else 'a'} {REASON[kind]}"
                          f"{' (text that is not valid Unicode)' if kind == 'surrogate' else ''}, "
                          "which cannot be stored")], (method, path)
        checked += 1
    assert checked == len(write_operations())
    assert snapshot() == before


def test_api_errors_name_the_json_path(api):
    response = api("post", "/products", {"Name": "ok", "Tags": ["a", "b", "\ud800"], "Description": "fine"})
    assert response.status_code == 422
    assert response.json()["errors"] == [f"Tags[2]: {unstorable.SURROGATE}"]
    response = api("post", "/providers", {"Name": "x", "Configuration": {"MetaData": "{\"URL\": \"\x00\"}"}})
    assert response.json()["errors"] == [f"Configuration.MetaData: {unstorable.NUL}"]
    # A surrogate written as raw bytes (CESU-8) decodes to the same and is refused the same.
    raw = b'{"Name": "\xed\xa0\x80"}'
    response = api("post", "/organisations", raw)
    assert response.status_code == 422 and response.json()["errors"] == [f"Name: {unstorable.SURROGATE}"]


def test_api_query_strings_are_refused_with_the_envelope(api):
    for query in ("q=a%00b", "page=%00", "%00=1"):
        response = api("get", f"/organisations?{query}")
        assert response.status_code == 422, query
        assert response.json()["status"] == "error" and unstorable.NUL in response.json()["errors"][0]
    assert api("get", "/organisations", page=1).status_code == 200


def test_api_multipart_file_names_and_fields_are_checked():
    from django.test import RequestFactory

    from forecourt.api.parser import StorableTextParser

    request = RequestFactory().post("/portal-api/themes/upload", {"name": "a\x00b"})
    with pytest.raises(unstorable.UnstorableText) as refused:
        StorableTextParser().parse_querydict(request.POST, [], request)
    assert refused.value.errors == [f"name: {unstorable.NUL}"]


# --- forms ----------------------------------------------------------------------------------------

def _admin_client(admin) -> Client:
    client = Client()
    client.force_login(admin)
    return client


def _create_url(resource) -> str:
    if resource.slug == "webhooks":
        return reverse("adminportal:webhook_create")
    return reverse("adminportal:resource_create", kwargs={"slug": resource.slug})


@pytest.mark.parametrize("resource", [r for r in RESOURCES if r.form is not None], ids=lambda r: r.slug)
def test_every_admin_portal_form_refuses_a_nul_in_any_field(admin, resource):
    client = _admin_client(admin)
    form = resource.form(actor=admin) if resource.slug == "users" else resource.form()
    # Checkboxes read "on or not", file inputs read files and disabled (read-only) fields read nothing:
    # only fields that read text get one.
    fields = [name for name, field in form.fields.items()
              if not isinstance(field.widget, (forms.CheckboxInput, forms.FileInput)) and not field.disabled]
    before = snapshot()
    for name in fields:
        response = client.post(_create_url(resource), {name: "x\x00y"})
        assert response.status_code in (200, 400), (resource.slug, name)
        errors = response.context["form"].errors
        assert errors.get(name) == ["Contains a NUL character, which cannot be stored."], (resource.slug, name)
    assert snapshot() == before


def test_multipart_posts_reach_the_form_check(admin):
    response = _admin_client(admin).post(reverse("adminportal:resource_create", kwargs={"slug": "organisations"}),
                                         {"name": "Acme\x00"}, format="multipart")  # the test client's default
    assert response.context["form"].errors["name"] == ["Contains a NUL character, which cannot be stored."]


@pytest.mark.parametrize(("path", "data", "field"), [
    ("/auth/password/login", {"email": "dev@example.com", "password": "x\x00"}, "password"),
    ("/auth/password/register", {"email": "n@example.com", "first_name": "N\x00", "last_name": "New",
                                 "password": "a-brand-new-passphrase", "password_again": "a-brand-new-passphrase",
                                 "invite_code": "abc"}, "first_name"),
    ("/auth/password/register", {"email": "n@example.com", "first_name": "N", "last_name": "New",
                                 "password": "a-brand-new-passphrase", "password_again": "a-brand-new-passphrase",
                                 "invite_code": "abc\x00"}, "invite_code"),
    ("/auth/password/new", {"email": "dev@example.com\x00"}, "email"),
])
def test_live_portal_forms_refuse_a_nul_with_a_form_error(client, consumer, path, data, field):
    before = snapshot()
    response = client.post(path, data)
    assert response.status_code == 400
    assert "Contains a NUL character, which cannot be stored." in response.content.decode()
    assert snapshot() == before


def test_signed_in_live_portal_forms_refuse_a_nul(client, consumer):
    client.force_login(consumer)
    organisation = factories.organisation("Partner")
    consumer.organisation = organisation
    consumer.save()
    before = snapshot()
    for path, data in (("/my-account", {"action": "profile", "first_name": "D\x00", "last_name": "x"}),
                       ("/my-organisation/invitations", {"email": "x@example.com", "first_name": "\x00", "role":
                                                    "consumer-team-member",
                                                    "team": Team.objects.filter(organisation=organisation)[0].pk})):
        response = client.post(path, data)
        assert response.status_code == 400, path
        assert "Contains a NUL character, which cannot be stored." in response.content.decode(), path
    assert snapshot() == before


def test_a_posted_product_slug_that_cannot_be_stored_is_not_looked_up(client, consumer):
    """POST /apps/new reads `product` itself (no form): a NUL there answered 500 on PostgreSQL."""
    client.force_login(consumer)
    before = snapshot()
    response = client.post("/apps/new", {"product": "a\x00b"})
    assert response.status_code in (200, 400)
    assert snapshot() == before


def test_django_forms_outside_the_portals_are_covered_too():
    """The check is where every form goes through, not in the portals' own forms."""
    class Anything(forms.Form):
        number = forms.IntegerField()
        choice = forms.MultipleChoiceField(choices=[("a", "a")])
        data = forms.JSONField()

    form = Anything({"number": "1\x00", "choice": ["a", "\x00"], "data": '{"k": "\\u0000"}'})
    assert not form.is_valid()
    assert set(form.errors) == {"number", "choice"}  # checked before cleaning: nothing else ran
    form = Anything({"number": "1", "choice": ["a"], "data": '{"k": "\\ud800"}'})
    assert not form.is_valid() and form.errors["data"] == [unstorable.SURROGATE[0].upper() + unstorable.SURROGATE[1:]
                                                           + "."]
    assert Anything({"number": "1", "choice": ["a"], "data": '{"k": "ok"}'}).is_valid()


def test_admin_sign_in_is_djangos_form_and_refuses_a_nul(client, admin):
    response = client.post("/portal-admin/sign-in/", {"username": admin.email, "password": PASSWORD + "\x00"})
    assert response.status_code == 200
    assert response.context["form"].errors["password"] == ["Contains a NUL character, which cannot be stored."]
    assert "_auth_user_id" not in client.session


# --- paths and query strings ----------------------------------------------------------------------

@pytest.mark.parametrize("path", [
    "/portal-admin/organisations/?q=a%00b",
    "/portal-admin/users/?q=%00&page=1",
    "/catalogue-products?q=%00",
    "/catalogue-products?tag=%00",
    "/catalogue-products/a%00b",
])
def test_searches_and_paths_refuse_a_nul_before_any_view(admin, path):
    response = _admin_client(admin).get(path)
    assert response.status_code == 400
    assert "NUL character" in response.content.decode()


def test_surrogates_in_query_strings_are_replaced_by_django_and_searched_harmlessly(admin):
    """Bytes that are not UTF-8 (an encoded surrogate) reach views as U+FFFD, which can be stored."""
    client = _admin_client(admin)
    assert client.get("/portal-admin/organisations/?q=%ED%A0%80").status_code == 200
    assert client.get("/catalogue-products?q=%ED%A0%80").status_code == 200


def test_a_session_cookie_with_a_nul_is_refused_before_it_is_looked_up():
    client = Client()
    client.cookies["portal-session"] = "abcdefghij\x00klmnopqrstuvwxyz0123456"
    for path in ("/portal-admin/", "/catalogue-products"):
        response = client.get(path)
        assert response.status_code == 400
        assert "the cookie portal-session: contains a NUL character" in response.content.decode()
