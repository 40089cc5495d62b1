"""GET-then-PUT: every object the Admin API reads can be written back unchanged (issue 16).

Tools such as portal-go, Terraform providers and sync scripts read an object, change a field and
PUT the whole body back. That body carries everything the GET answered: read-only fields
(`ID`, `CreatedAt`, `PushState`, `LastError`, `SyncProblems`...) and fields whose read form differs
from the write form (a product's `Catalogues` are names, a team's `Users` are "User#6"). Each must
be accepted, and a body sent back unchanged must change nothing.
"""

import json

import pytest
from django.core.files.base import ContentFile

from forecourt.accounts.models import Organisation
from forecourt.audit.models import AuditEntry
from forecourt.catalog.models import Plan, Product, ProductSpec
from forecourt.providers.models import Provider

from . import factories

pytestmark = pytest.mark.django_db


def ok(response, status=200):
    assert response.status_code == status, response.content
    return response.json()


def _provider(api):
    provider = ok(api("post", "/providers", {"Name": "Dashboard", "Type": "tyk-pro", "Configuration": {
        "MetaData": json.dumps({"URL": "https://dashboard.example.com", "Secret": "dashboard-key-0123456789",
                                "OrgID": "o1", "PoliciesTags": ["portal"]})}}))
    Provider.objects.filter(pk=provider["ID"]).update(
        last_error="the Dashboard answered 500",
        sync_problems=[{"policy": "p1", "name": "Old", "reason": "it references a deleted API"}])
    return f"/providers/{provider['ID']}"


def _catalogue(api):
    org = factories.organisation("Partners")
    team = factories.team(org, "Mobile")
    product, plan = factories.product(display_name="Weather"), factories.plan(display_name="Gold")
    body = ok(api("post", "/catalogues", {
        "Name": "Partner APIs", "VisibilityStatus": "Private", "Products": [product.pk], "Plans": [plan.pk],
        "OrgCatalogues": [{"OrganisationID": org.pk}, {"OrganisationID": org.pk, "TeamID": team.pk}]}))
    return f"/catalogues/{body['ID']}"


def _product(api):
    catalogue = factories.catalogue()
    product = factories.product()
    product.logo.save("logo.png", ContentFile(b"\x89PNG\r\n\x1a\n"))  # Logo and Preview: read-only paths
    product.preview.save("preview.gif", ContentFile(b"GIF89a"))
    body = ok(api("put", f"/products/{product.pk}", {
        "Tags": ["money", "eu"], "Catalogues": [catalogue.pk], "Published": True}))
    assert body["Logo"] and body["Preview"]
    Product.objects.filter(pk=body["ID"]).update(push_state="failed", push_error="the Dashboard answered 500")
    return f"/products/{body['ID']}"


def _product_spec(api):
    product = factories.product(documentation_only=True)
    spec = ProductSpec.objects.create(product=product, spec_alias="payments", name="Payments",
                                      oas_url="https://docs.example.com/payments.yaml")
    return f"/products/{product.pk}/spec-details/{spec.pk}"


def _product_doc(api):
    product = factories.product()
    doc = api("post", f"/products/{product.pk}/docs", {"Title": "Sign up", "Content": "Create an app."}).json()
    return f"/products/{product.pk}/docs/{doc['ID']}"


def _plan(api):
    catalogue = factories.catalogue()
    body = ok(api("post", "/plans", {"Name": "gold", "DisplayName": "Gold", "RateLimit": 5, "Per": 10,
                                     "Quota": 1000, "QuotaRenewalRate": 3600, "Catalogues": [catalogue.pk]}))
    Plan.objects.filter(pk=body["ID"]).update(push_state="pending", sync_problem="unreadable")
    return f"/plans/{body['ID']}"


def _unlimited_plan(api):
    return f"/plans/{ok(api('post', '/plans', {'Name': 'free', 'RateLimit': -1}))['ID']}"


def _organisation(api):
    org = ok(api("post", "/organisations", {"Name": "Acme"}))
    factories.consumer(Organisation.objects.get(pk=org["ID"]))
    return f"/organisations/{org['ID']}"


def _team(api):
    org = factories.organisation("Partners")
    members = [factories.consumer(org), factories.consumer(org)]
    team = ok(api("post", f"/organisations/{org.pk}/teams", {"Name": "Mobile", "Users": [m.pk for m in members]}))
    return f"/organisations/{org.pk}/teams/{team['ID']}"


def _user(api):
    org = factories.organisation("Partners")
    team = factories.team(org, "Mobile")
    user = ok(api("post", "/users", {"Email": "ann@example.com", "First": "Ann", "OrganisationID": org.pk}))
    ok(api("put", f"/users/{user['ID']}", {"Teams": [team.pk, org.teams.get(is_default=True).pk]}))
    return f"/users/{user['ID']}"


def _invite_code(api):
    org = factories.organisation()
    return f"/invite-codes/{ok(api('post', '/invite-codes', {'OrganisationID': org.pk, 'MaxUses': 3}))['ID']}"


def _app(api):
    from forecourt.access import services as access
    from forecourt.access.models import App

    owner = factories.consumer()
    app = ok(api("post", "/apps", {"Name": "Payments", "UserID": owner.pk,
                                   "RedirectURLs": "https://a.example/cb,https://b.example/cb"}))
    plan, product = factories.plan(), factories.product(published=True)
    access.submit_request(App.objects.get(pk=app["ID"]), factories.catalogue([product], [plan]), plan, [product],
                          owner)
    return f"/apps/{app['ID']}"


def _custom_credential(api):
    app = factories.app(factories.consumer())
    plan, product = factories.plan(), factories.product()
    custom = api("post", f"/apps/{app.pk}/custom_credentials", {
        "Alias": "Legacy gateway", "Type": "CREDENTIAL_TYPE_CUSTOM", "PlanID": plan.pk, "ProductIDs": [product.pk],
        "AuthenticationMethod": "basic", "KeyID": "legacy-42", "CredentialKey": "round-trip-key-value-1234"})
    assert custom.status_code == 201, custom.content
    return f"/apps/{app.pk}/custom_credentials/{custom.json()['ID']}"


def _page(api):
    page = ok(api("post", "/pages", {"Title": "About", "Path": "/about-us", "Status": "published"}))
    ok(api("post", f"/pages/{page['ID']}/content-blocks", {"Name": "Intro", "Content": "Hi"}))
    return f"/pages/{page['ID']}"


def _content_block(api):
    page = ok(api("post", "/pages", {"Title": "About", "Path": "/about-us"}))
    block = ok(api("post", f"/pages/{page['ID']}/content-blocks", {"Name": "Intro", "Content": "Hi"}))
    return f"/pages/{page['ID']}/content-blocks/{block['ID']}"


def _menu_item(api):
    page = ok(api("post", "/pages", {"Title": "About", "Path": "/about-us", "Status": "published"}))
    return f"/menu-items/{ok(api('post', '/menu-items', {'Title': 'About', 'PageID': page['ID']}))['ID']}"


def _post(api):
    from forecourt.blog.models import Category

    news = Category.objects.create(name="News")
    tag = ok(api("post", "/tags", {"Name": "Payments"}), 201)
    body = api("post", "/posts", {"Title": "Ten tips", "Path": "ten-tips", "Lede": "Short.", "Content": "# Hi",
                                  "AuthorName": "Ada", "Status": "published", "Categories": [news.pk],
                                  "Tags": [tag["ID"]]}).json()
    return f"/posts/{body['ID']}"


def _webhook(api):
    hook = ok(api("post", "/webhooks", {"Name": "CRM", "URL": "https://10.0.0.7/hook",
                                        "Headers": {"X-Team": "portal"}, "Events": ["UserRegistered"]}), 201)
    return f"/webhooks/{hook['ID']}"


def _webhook_header(api):
    hook = ok(api("post", "/webhooks", {"Name": "CRM", "URL": "https://10.0.0.7/hook"}), 201)
    header = ok(api("post", f"/webhooks/{hook['ID']}/headers", {"Name": "Authorization", "Value": "Bearer x"}), 201)
    return f"/webhooks/{hook['ID']}/headers/{header['ID']}"


def _configs(api):
    ok(api("put", "/configs", {"SMTPHost": "smtp.example.com", "SMTPPassword": "smtp-secret-value",
                               "DefaultFromAddress": "portal@example.com"}))
    return "/configs"


def _sso_profile(api):
    team = factories.team(factories.organisation())
    ok(api("post", "/sso_profiles", {
        "ID": "corp", "Name": "Corp", "ActionType": "GenerateOrLoginDeveloperProfile", "ProviderName": "SocialProvider",
        "ProviderConfig": {"UseProviders": [{"Name": "openid-connect", "Key": "portal", "Secret": "s3cret-value",
                                             "DiscoverURL": "http://127.0.0.1:8080/.well-known/openid-configuration",
                                             "Scopes": ["openid", "email"]}]},
        "CustomUserGroupField": "groups", "UserGroupMapping": {"partners": str(team.pk)},
        "DefaultUserGroupID": str(team.pk), "UserRoleMapping": {"leads": "consumer-admin"}}), 201)
    return "/sso_profiles/corp"


def _custom_attribute(api):
    body = {"Name": "Industry", "Identifier": "industry", "Type": 2, "DropdownValues": "Fleet,Cities",
            "Required": True, "AddToKeyMetadata": True}
    created = api("post", "/extended_attributes/1/custom-attributes", body)
    assert created.status_code == 201, created.content
    return f"/extended_attributes/1/custom-attributes/{created.json()['ID']}"


def _default_attribute(api):
    ok(api("put", "/extended_attributes/1/default-attributes/2", {"AddToKeyMetadata": True}))
    return "/extended_attributes/1/default-attributes/2"


def _user_custom_attribute(api):
    attribute = api("post", "/extended_attributes/1/custom-attributes",
                    {"Name": "Seats", "Identifier": "seats", "Type": 4, "WriteOnceReadMany": True}).json()
    user = ok(api("post", "/users", {"Email": "ann@example.com", "OrganisationID": factories.organisation().pk,
                                     "CustomAttributes": {"seats": 12}}))
    return f"/users/{user['ID']}/custom-attributes/{attribute['ID']}"


def _user_with_attributes(api):
    api("post", "/extended_attributes/1/custom-attributes",
        {"Name": "Terms", "Identifier": "terms", "Type": 3, "Required": True, "WriteOnceReadMany": True})
    user = ok(api("post", "/users", {"Email": "ann@example.com", "OrganisationID": factories.organisation().pk,
                                     "CustomAttributes": {"terms": True}}))
    return f"/users/{user['ID']}"


RESOURCES = {
    "providers": _provider, "catalogues": _catalogue, "products": _product, "product docs": _product_doc,
    "product specs": _product_spec,
    "plans": _plan, "unlimited plans": _unlimited_plan, "organisations": _organisation, "teams": _team,
    "users": _user, "invite codes": _invite_code, "apps": _app, "custom credentials": _custom_credential,
    "pages": _page, "content blocks": _content_block, "menu items": _menu_item, "posts": _post,
    "webhooks": _webhook, "webhook headers": _webhook_header, "configs": _configs,
    "custom attributes": _custom_attribute, "default attributes": _default_attribute,
    "user custom attributes": _user_custom_attribute, "users with custom attributes": _user_with_attributes,
    "sso profiles": _sso_profile,
}


@pytest.mark.parametrize("resource", RESOURCES)
def test_what_a_get_answers_can_be_put_back_unchanged(api, resource, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True  # the webhook's URL is not looked up in DNS
    path = RESOURCES[resource](api)
    read = ok(api("get", path))
    audited = AuditEntry.objects.count()

    written = ok(api("put", path, read))
    if isinstance(read, list):  # GET /configs answers Tyk's one-element array; PUT answers the element
        read = read[0]

    # UpdatedAt is left out: a save may move it (to the minute) even when nothing else changes.
    def same(body):
        return {k: v for k, v in body.items() if k != "UpdatedAt"}

    assert same(written) == same(read)
    again = ok(api("get", path))
    assert same(again[0] if isinstance(again, list) else again) == same(read)
    changes = [e.changes for e in AuditEntry.objects.order_by("pk")[audited:]]
    assert all(not c for c in changes), changes  # nothing was recorded as changed


# The read forms, and what is refused


def test_plan_limits_are_strings_and_taken_as_numbers_or_number_strings(api):
    plan = ok(api("post", "/plans", {"Name": "gold", "RateLimit": "7", "Quota": " 500 ", "UnlimitedQuota": False}))
    assert (plan["RateLimit"], plan["Quota"], plan["PlanQuota"], plan["UnlimitedQuota"]) == ("7", "500", 500, False)
    assert ok(api("put", f"/plans/{plan['ID']}", {"RateLimit": "-1"}))["UnlimitedRateLimit"] is True
    assert ok(api("put", f"/plans/{plan['ID']}", {"RateLimit": 9}))["RateLimit"] == "9"
    before = Plan.objects.get(pk=plan["ID"])
    for junk in ("1000 calls / 1 minute(s)", "unlimited", "", "1.5", "1e3", 1.5, "x"):
        refused = api("put", f"/plans/{plan['ID']}", {"RateLimit": junk})
        assert refused.status_code == 422, junk
        assert refused.json()["status"] == "error" and refused.json()["errors"][0].startswith("RateLimit"), junk
    after = Plan.objects.get(pk=plan["ID"])
    assert (after.rate_limit, after.rate_unlimited) == (before.rate_limit, before.rate_unlimited)


def test_team_members_are_user_strings_and_taken_in_every_form(api):
    org = factories.organisation("Partners")
    ann, bob, cy = (factories.consumer(org) for _ in range(3))
    team = ok(api("post", f"/organisations/{org.pk}/teams", {"Name": "Mobile", "Users": [f"User#{ann.pk}"]}))
    assert team["Users"] == [f"User#{ann.pk}"]
    path = f"/organisations/{org.pk}/teams/{team['ID']}"
    mixed = ok(api("put", path, {"Users": [ann.pk, str(bob.pk), f"User#{cy.pk}"]}))
    assert mixed["Users"] == [f"User#{pk}" for pk in sorted((ann.pk, bob.pk, cy.pk))]
    assert ok(api("get", f"/organisations/{org.pk}/teams"))[-1]["Users"] == mixed["Users"]
    for junk in ("Ann", "User#", "User#x", "user#5", 0):
        refused = api("put", path, {"Users": [junk]})
        assert refused.status_code == 422 and refused.json()["errors"][0].startswith("Users"), junk
    assert ok(api("get", path))["Users"] == mixed["Users"]


def test_names_as_read_are_taken_only_unchanged(api):
    first, second = factories.catalogue(), factories.catalogue()
    product = ok(api("put", f"/products/{factories.product().pk}", {"Catalogues": [first.pk]}))
    path = f"/products/{product['ID']}"
    assert ok(api("put", path, {"Catalogues": [first.name]}))["Catalogues"] == [first.name]
    refused = api("put", path, {"Catalogues": [second.name]})
    assert refused.status_code == 422 and refused.json()["errors"] == [
        "Catalogues: give IDs to change it; names, as a GET answers them, are accepted only unchanged"]
    assert ok(api("put", path, {"Catalogues": [str(second.pk)]}))["Catalogues"] == [second.name]

    catalogue = ok(api("get", f"/catalogues/{first.pk}"))
    assert api("put", f"/catalogues/{first.pk}", {"Products": ["Someone else's"]}).status_code == 422
    assert ok(api("put", f"/catalogues/{first.pk}", {"Products": catalogue["Products"]}))["Products"] == []


def test_read_only_fields_are_ignored_and_unknown_fields_still_refused(api):
    product = factories.product()
    changed = ok(api("put", f"/products/{product.pk}", {"PushState": "", "PushError": "x", "SyncProblem": "y"}))
    assert (changed["PushState"], changed["PushError"], changed["SyncProblem"]) == ("", "", "")
    unknown = api("put", f"/products/{product.pk}", {"PushStatus": ""})
    assert unknown.status_code == 422 and unknown.json()["errors"] == ["PushStatus: Extra inputs are not permitted"]

    code = ok(api("post", "/invite-codes", {"OrganisationID": factories.organisation().pk}))
    path = f"/invite-codes/{code['ID']}"
    assert ok(api("put", path, {"Code": code["Code"], "Uses": 5, "MaxUses": 2}))["Uses"] == 0
    changed_code = api("put", path, {"Code": "WELCOME"})
    assert changed_code.status_code == 422 and changed_code.json()["errors"] == [
        "Code: is generated and cannot be chosen or changed"]
    assert ok(api("get", path))["Code"] == code["Code"]
