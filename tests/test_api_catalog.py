"""/portal-api providers, products (+ APIs and docs), plans and catalogues (+ audiences):
the Tyk contract, errors, the rules shared with the Admin Portal, the audit log and query counts."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forecourt.accounts.models import Organisation
from forecourt.audit.models import AuditEntry
from forecourt.catalog.models import Catalogue, CatalogueAudience, Plan, Product, ProductAPI, ProductDoc
from forecourt.jobs.models import Job
from forecourt.providers.models import Provider

from . import factories

pytestmark = pytest.mark.django_db

SECRET = "s3cr3t-dashboard-key-0123456789"


def metadata(**values):
    """Tyk's Configuration.MetaData: JSON in a string."""
    return json.dumps({"URL": "https://dashboard.example.com:3000", "Secret": SECRET, "OrgID": "5e9d",
                       "Gateway": "https://gw.example.com", "PoliciesTags": ["portal"],
                       "InsecureSkipVerify": False, **values})


def provider_body(name="Tyk Dashboard", **meta):
    return {"Name": name, "Type": "tyk-pro", "Configuration": {"MetaData": metadata(**meta)}}


def actions(obj):
    return list(AuditEntry.objects.filter(object_type=f"{obj._meta.app_label}.{obj._meta.model_name}",
                                          object_id=str(obj.pk)).order_by("pk").values_list("action", flat=True))


def ok(response, status=200):
    assert response.status_code == status, response.content
    return response.json()


# Providers


def test_provider_create_get_update_delete(api):
    body = ok(api("post", "/providers", provider_body()))
    assert (body["Name"], body["Type"], body["Status"], body["LastSyncedAt"]) == (
        "Tyk Dashboard", "tyk-pro", "Unknown", None)
    assert len(body["CreatedAt"]) == len("2026-01-01 00:00")
    meta = json.loads(body["Configuration"]["MetaData"])
    assert meta == {"URL": "https://dashboard.example.com:3000", "Secret": "********", "OrgID": "5e9d",
                    "Gateway": "https://gw.example.com", "PoliciesTags": ["portal"], "InsecureSkipVerify": False}
    provider = Provider.objects.get(pk=body["ID"])
    assert provider.secret == SECRET and provider.policy_tags == ["portal"]
    assert body["Configuration"]["ID"] == provider.pk
    assert ok(api("get", f"/providers/{provider.pk}")) == body

    # Partial PUT: what is left out (fields and MetaData keys) keeps its value; "********" keeps the key.
    renamed = ok(api("put", f"/providers/{provider.pk}", {"Name": "Production"}))
    assert renamed["Name"] == "Production" and renamed["Configuration"] == body["Configuration"]
    changed = ok(api("put", f"/providers/{provider.pk}", {"Configuration": {"MetaData": json.dumps(
        {"OrgID": "other", "Secret": "********", "InsecureSkipVerify": True, "PoliciesTags": ["a", "b"]})}}))
    meta = json.loads(changed["Configuration"]["MetaData"])
    assert (meta["OrgID"], meta["URL"], meta["InsecureSkipVerify"], meta["PoliciesTags"]) == (
        "other", "https://dashboard.example.com:3000", True, ["a", "b"])
    provider.refresh_from_db()
    assert provider.secret == SECRET and provider.policy_tags == ["a", "b"]
    ok(api("put", f"/providers/{provider.pk}", {"Configuration": {"MetaData": {"Secret": "rotated-key"}}}))
    provider.refresh_from_db()
    assert provider.secret == "rotated-key" and provider.policy_tags == ["a", "b"]

    assert ok(api("delete", f"/providers/{provider.pk}")) == {"status": "ok"}
    assert not Provider.objects.filter(pk=provider.pk).exists()
    # A new API key is audited as a change of its masked fingerprint, never in clear.
    assert actions(provider) == ["create", "update", "update", "update", "delete"]
    logged = json.dumps(list(AuditEntry.objects.values_list("changes", flat=True)))
    assert SECRET not in logged and "rotated-key" not in logged


def test_the_provider_secret_is_never_in_a_response(api):
    responses = [api("post", "/providers", provider_body())]
    provider_id = responses[0].json()["ID"]
    responses += [
        api("post", "/providers", provider_body()),  # the name is taken
        api("get", "/providers"),
        api("get", f"/providers/{provider_id}"),
        api("put", f"/providers/{provider_id}", {"Name": "Renamed"}),
        api("put", f"/providers/{provider_id}", provider_body("Renamed again")),
        api("post", "/providers", provider_body("Broken", URL="not a url")),
        api("put", f"/providers/{provider_id}", {"Configuration": {"MetaData": metadata(Colour="red")}}),
        api("put", f"/providers/{provider_id}/synchronize"),
    ]
    assert [r.status_code for r in responses] == [200, 422, 200, 200, 200, 200, 422, 422, 200]
    for response in responses:
        assert SECRET not in response.content.decode()
        assert SECRET not in str(response.headers)


def test_provider_configuration_errors_name_the_field(api):
    def errors(body, method="post", path="/providers"):
        response = api(method, path, body)
        assert response.status_code == 422, response.content
        return response.json()["errors"]

    assert errors({"Name": "A", "Configuration": {"MetaData": "{not json"}}) == [
        "Configuration.MetaData: is not valid JSON"]
    assert errors({"Name": "A", "Configuration": {"MetaData": "[1]"}})[0].startswith("Configuration.MetaData:")
    assert errors(provider_body(Colour="red"))[0].startswith("Configuration.MetaData.Colour:")
    assert errors(provider_body(InsecureSkipVerify="sometimes"))[0].startswith(
        "Configuration.MetaData.InsecureSkipVerify:")
    assert errors(provider_body(URL="not a url"))[0].startswith("Configuration.MetaData.URL:")
    assert errors(provider_body(Secret="")) == ["Configuration.MetaData.Secret: The API key is required."]
    assert errors(provider_body(Secret="********")) == ["Configuration.MetaData.Secret: The API key is required."]
    assert errors(provider_body(PoliciesTags=["a,b"]))[0].startswith("Configuration.MetaData.PoliciesTags:")
    assert errors({**provider_body(), "Type": "kong"})[0].startswith("Type:")
    assert errors({"Configuration": {"MetaData": metadata()}}) == ["Name: This field is required."]
    assert not Provider.objects.exists()


def test_provider_tyk_only_fields_are_accepted_and_reported(api):
    body = provider_body()
    body["Configuration"]["ID"] = 7
    body["Status"] = "Up"
    response = api("post", "/providers", body)
    assert response.status_code == 200
    assert "ID" in response["Warning"] and "Status" in response["Warning"]
    assert response.json()["Status"] == "Unknown"


def test_provider_with_products_or_plans_cannot_be_deleted(api):
    provider = factories.provider()
    factories.product(provider=provider)
    response = api("delete", f"/providers/{provider.pk}")
    assert response.status_code == 409
    assert response.json() == {"status": "error",
                               "errors": ["1 product and 0 plans come from it: delete them first."]}
    assert Provider.objects.filter(pk=provider.pk).exists()


def test_synchronize_queues_a_job(api):
    provider = factories.provider()
    response = api("put", f"/providers/{provider.pk}/synchronize")
    assert ok(response) == {"status": "ok", "message": "synchronisation queued"}
    job = Job.objects.get()
    assert (job.name, job.payload, job.status) == ("providers.sync", {"provider_id": provider.pk}, "queued")
    assert api("put", "/providers/999999/synchronize").status_code == 404
    assert Job.objects.count() == 1


def test_synchronize_all_queues_a_job_per_provider(api, client, admin):
    """portal-go's SyncProviders: PUT /providers/all/synchronize, not a provider called "all" (422)."""
    first, second = factories.provider(), factories.provider()
    assert api("put", f"/providers/{first.pk}/synchronize").json()["message"] == "synchronisation queued"
    response = api("put", "/providers/all/synchronize")
    # The one already queued keeps its job: one more, for the second provider.
    assert ok(response) == {"status": "ok", "message": "1 synchronisation queued"}
    queued = Job.objects.filter(name="providers.sync", status="queued")
    assert sorted(j.payload["provider_id"] for j in queued) == [first.pk, second.pk]
    assert ok(api("put", "/providers/all/synchronize")) == {"status": "ok", "message": "0 synchronisations queued"}
    assert queued.count() == 2
    Job.objects.all().delete()
    assert ok(api("put", "/providers/all/synchronize"))["message"] == "2 synchronisations queued"
    # The Admin Portal's "Synchronise all" queues through the same service.
    Job.objects.all().delete()
    client.force_login(admin)
    assert client.post("/portal-admin/providers/sync-all/").status_code == 302
    assert Job.objects.filter(name="providers.sync").count() == 2
    assert api("put", "/providers/all/synchronize", token="").status_code == 401


# Products


def test_product_create_get_update_delete(api):
    provider = factories.provider()
    catalogue = factories.catalogue()
    created = api("post", "/products", {
        "Name": "payment_api", "DisplayName": "ACME Payment API", "ProviderID": provider.pk,
        "IsDocumentationOnly": False, "Description": "Pay", "Content": "# Payments", "Tags": ["money", "eu"],
        "Catalogues": [catalogue.pk], "CID": "2r7p8aUnkzby17hCJk8w2XvK3K6", "DCREnabled": True, "Feature": True,
        "Scopes": "payments", "Templates": [1], "APIDetails": [{"APIID": "3108a5fc", "OASUrl": "https://x"}]})
    body = ok(created, 201)
    for tyk_only in ("CID", "DCREnabled", "Feature", "Scopes", "Templates", "APIDetails"):
        assert tyk_only in created["Warning"]
    assert (body["Name"], body["DisplayName"], body["Path"], body["ProviderID"]) == (
        "payment_api", "ACME Payment API", "acme-payment-api", provider.pk)
    assert (body["Tags"], body["Catalogues"], body["Published"], body["APIDetails"]) == (
        ["money", "eu"], [catalogue.name], False, [])
    product = Product.objects.get(pk=body["ID"])
    assert list(catalogue.products.all()) == [product]

    ProductAPI.objects.create(product=product, api_id="3108a5fc", name="Payments", listen_path="/pay/",
                              auth_type="authToken")
    shown = ok(api("get", f"/products/{product.pk}"))
    assert shown["APIDetails"] == [{"APIID": "3108a5fc", "APIType": "authToken", "ListenPath": "/pay/",
                                    "Name": "Payments"}]
    assert (shown["AuthType"], shown["AuthTypes"]) == ("authToken", ["authToken"])

    # Partial PUT keeps what is left out (tags included); Catalogues moves it; null clears the provider.
    other = factories.catalogue()
    updated = ok(api("put", f"/products/{product.pk}", {"Published": True, "Catalogues": [other.pk]}))
    assert (updated["Published"], updated["Tags"], updated["Description"], updated["Catalogues"]) == (
        True, ["money", "eu"], "Pay", [other.name])
    assert not catalogue.products.exists() and list(other.products.all()) == [product]
    assert ok(api("put", f"/products/{product.pk}", {"ProviderID": None}))["ProviderID"] is None
    assert ok(api("put", f"/products/{product.pk}", {"Tags": []}))["Tags"] == []

    assert ok(api("delete", f"/products/{product.pk}")) == {"status": "ok"}
    assert not Product.objects.filter(pk=product.pk).exists()
    assert actions(product) == ["create", "update", "update", "update", "delete"]
    assert "update" in actions(catalogue) and "update" in actions(other)


def test_product_created_with_display_name_only_as_portal_go_does(api):
    """portal-go's CreateProduct sends DisplayName (no Name): the name is the display name, as for
    an item whose display name was never customised."""
    body = ok(api("post", "/products", {"DisplayName": "ACME Weather", "Description": "Forecasts"}), 201)
    assert (body["Name"], body["DisplayName"], body["Path"]) == ("ACME Weather", "ACME Weather", "acme-weather")
    product = Product.objects.get(pk=body["ID"])
    assert (product.name, product.display_name) == ("ACME Weather", "ACME Weather")
    # Renamed later, the uncustomised display name follows (catalog.services.save_with_push).
    assert ok(api("put", f"/products/{product.pk}", {"Name": "Weather"}))["DisplayName"] == "Weather"
    neither = api("post", "/products", {"Description": "No name at all"})
    assert neither.status_code == 422, neither.content
    errors = neither.json()["errors"]
    assert any(e.startswith("Name:") for e in errors) and any(e.startswith("DisplayName:") for e in errors)
    assert Product.objects.count() == 1


def test_product_defaults_and_errors(api):
    body = ok(api("post", "/products", {"Name": "Weather"}), 201)
    assert (body["DisplayName"], body["Path"], body["IsDocumentationOnly"], body["Published"]) == (
        "Weather", "weather", False, False)
    clash = api("post", "/products", {"Name": "Weather"})
    assert clash.status_code == 422 and clash.json()["errors"][0].startswith("Path:")
    assert api("post", "/products", {"Name": "X", "Tags": [1]}).json()["errors"][0].startswith("Tags.0:")
    assert api("post", "/products", {"Name": "X", "Tags": ["a,b"]}).json()["errors"] == [
        "Tags: a tag may not contain a comma"]
    assert api("post", "/products", {"Name": "X", "ProviderID": 999999}).json()["errors"][0].startswith(
        "ProviderID:")
    missing = api("post", "/products", {"Name": "X", "Catalogues": [999999]})
    assert missing.status_code == 422 and missing.json()["errors"] == ["Catalogues: there is no catalogue 999999"]
    assert Product.objects.count() == 1  # the failed catalogue step rolled the product back


def test_product_used_by_a_pending_request_cannot_be_deleted(api):
    request = factories.pending_request()
    product = request.products.get()
    response = api("delete", f"/products/{product.pk}")
    assert response.status_code == 409
    assert response.json()["errors"] == ["1 pending access request uses it: approve or reject them first."]


def test_product_apis_come_from_the_provider(api):
    product = factories.product()
    ProductAPI.objects.create(product=product, api_id="b1", name="Beta", listen_path="/b/", auth_type="oauth2")
    ProductAPI.objects.create(product=product, api_id="a1", name="Alpha", listen_path="/a/", auth_type="authToken")
    listed = ok(api("get", f"/products/{product.pk}/api-details"))
    assert [a["APIID"] for a in listed] == ["a1", "b1"]
    assert ok(api("get", f"/products/{product.pk}/api-details/b1"))["ListenPath"] == "/b/"
    assert api("get", f"/products/{product.pk}/api-details/nope").status_code == 404
    assert api("get", f"/products/{factories.product().pk}/api-details/a1").status_code == 404
    assert api("get", "/products/999999/api-details").status_code == 404
    assert api("post", f"/products/{product.pk}/api-details", {"Name": "x"}).status_code == 405
    shown = ok(api("get", f"/products/{product.pk}"))
    assert (shown["AuthType"], shown["AuthTypes"]) == ("", ["authToken", "oauth2"])


def test_product_docs_create_get_update_reorder_delete(api):
    product = factories.product()
    first = api("post", f"/products/{product.pk}/docs",
                {"Title": "Sign up", "Content": "Create an app.", "Status": "published", "Path": "sign-up"})
    doc = ok(first, 201)
    assert "Status" in first["Warning"] and "Path" in first["Warning"]
    assert doc == {"ID": doc["ID"], "ProductID": product.pk, "Title": "Sign up", "Content": "Create an app.",
                   "MarkdownEnabled": True, "Position": 0, "Translations": {}}
    markdown = api("post", f"/products/{product.pk}/docs", {"Title": "Call", "MarkdownEnabled": True,
                                                              "MarkdownContent": "# Call", "Content": "<h1>"})
    second = ok(markdown, 201)
    assert (second["Content"], second["Position"]) == ("# Call", 1) and "Content" in markdown["Warning"]
    html = api("put", f"/products/{product.pk}/docs/{second['ID']}", {"MarkdownEnabled": False, "Content": "# Call",
                                                                      "MarkdownContent": "stale", "Position": 5})
    assert (ok(html)["Content"], ok(html)["Position"]) == ("# Call", 5) and "MarkdownContent" in html["Warning"]
    assert ok(api("get", f"/products/{product.pk}/docs/{doc['ID']}")) == doc
    assert ok(api("put", f"/products/{product.pk}/docs/{doc['ID']}", {"Title": "Register"}))["Content"] == \
        "Create an app."
    assert ok(api("post", f"/products/{product.pk}/docs/reorder", [second["ID"]])) == {"status": "ok"}
    assert [d["Title"] for d in ok(api("get", f"/products/{product.pk}/docs"))] == ["Call", "Register"]
    assert api("post", f"/products/{product.pk}/docs/reorder", [999999]).status_code == 422
    assert api("post", f"/products/{product.pk}/docs/reorder", [second["ID"], second["ID"]]).status_code == 422
    assert api("post", f"/products/{product.pk}/docs/reorder", {"order": []}).status_code == 422

    other = factories.product()
    assert api("get", f"/products/{other.pk}/docs/{doc['ID']}").status_code == 404
    assert api("delete", f"/products/{other.pk}/docs/{doc['ID']}").status_code == 404
    assert ok(api("delete", f"/products/{product.pk}/docs/{doc['ID']}")) == {"status": "ok"}
    assert list(ProductDoc.objects.values_list("title", flat=True)) == ["Call"]
    assert actions(ProductDoc(pk=doc["ID"])) == ["create", "update", "update", "delete"]
    assert actions(ProductDoc(pk=second["ID"])) == ["create", "update", "update"]
    assert api("post", f"/products/{product.pk}/docs", {"Content": "no title"}).json()["errors"] == [
        "Title: This field is required."]


# Plans


def test_plan_create_list_get_update_delete(api):
    provider = factories.provider()
    catalogue = factories.catalogue()
    created = api("post", "/plans", {
        "Name": "free_plan_2", "DisplayName": "Free", "ProviderID": provider.pk, "AutoApproveAccessRequests": True,
        "KeyExpiresIn": 3600, "Per": 10, "RateLimit": 5, "Quota": 0, "QuotaRenewalRate": -1,
        "UnlimitedQuota": True, "Catalogues": [catalogue.pk], "CID": "x", "JWTScope": "read",
        "MetaData": {"data1": "1"}})
    body = ok(created)
    assert "JWTScope" in created["Warning"] and "MetaData" in created["Warning"]
    assert {k: body[k] for k in ("Name", "DisplayName", "ProviderID", "AutoApproveAccessRequests", "KeyExpiresIn",
                                 "RateLimit", "Per", "UnlimitedRateLimit", "UnlimitedQuota", "QuotaRenewalRate",
                                 "Catalogues", "ReferenceID")} == {
        "Name": "free_plan_2", "DisplayName": "Free", "ProviderID": provider.pk, "AutoApproveAccessRequests": True,
        "KeyExpiresIn": 3600, "RateLimit": "5", "Per": 10, "UnlimitedRateLimit": False, "UnlimitedQuota": True,
        "QuotaRenewalRate": 3600, "Catalogues": [catalogue.pk], "ReferenceID": ""}
    plan = Plan.objects.get(pk=body["ID"])
    # A bare array with RateLimit and Quota as strings: what portal-go's ListPlans decodes.
    assert ok(api("get", "/plans")) == [{"ID": plan.pk, "Name": "free_plan_2", "DisplayName": "Free",
                                         "AutoApproveAccessRequests": True, "RateLimit": "5",
                                         "UnlimitedRateLimit": False, "Quota": "0", "UnlimitedQuota": True,
                                         "Translations": {}}]
    assert ok(api("get", f"/plans/{plan.pk}")) == body

    limited = ok(api("put", f"/plans/{plan.pk}", {"PlanQuota": 1000, "PlanQuotaRenewalRate": 86400}))
    assert (limited["Quota"], limited["PlanQuota"], limited["QuotaRenewalRate"], limited["UnlimitedQuota"]) == (
        "1000", 1000, 86400, False)
    assert (limited["RateLimit"], limited["Catalogues"], limited["DisplayName"]) == ("5", [catalogue.pk], "Free")
    unlimited = ok(api("put", f"/plans/{plan.pk}", {"RateLimit": -1, "Quota": -1, "Catalogues": []}))
    assert (unlimited["UnlimitedRateLimit"], unlimited["UnlimitedQuota"], unlimited["Quota"]) == (True, True, "1000")
    assert unlimited["Catalogues"] == [] and not catalogue.plans.exists()

    assert ok(api("delete", f"/plans/{plan.pk}")) == {"status": "ok"}
    assert actions(plan) == ["create", "update", "update", "delete"]


def test_plan_defaults_and_rules(api):
    body = ok(api("post", "/plans", {"Name": "basic"}))
    assert (body["DisplayName"], body["RateLimit"], body["Per"], body["UnlimitedQuota"], body["KeyExpiresIn"]) == (
        "basic", "100", 60, True, 0)
    response = api("put", f"/plans/{body['ID']}", {"UnlimitedQuota": False, "Quota": 0})
    assert response.status_code == 422
    assert response.json()["errors"] == ["Quota: Give the quota, or make it unlimited."]
    assert api("post", "/plans", {"Name": "x", "RateLimit": 1.5}).json()["errors"][0].startswith("RateLimit:")
    assert api("post", "/plans", {"Name": "x", "KeyExpiresIn": -5}).json()["errors"][0].startswith("KeyExpiresIn:")


def test_plan_created_with_display_name_only_as_portal_go_does(api):
    """portal-go's CreatePlan sends DisplayName (no Name): the name is the display name."""
    body = ok(api("post", "/plans", {"DisplayName": "Gold", "AutoApproveAccessRequests": True}))
    assert (body["Name"], body["DisplayName"], body["AutoApproveAccessRequests"]) == ("Gold", "Gold", True)
    assert Plan.objects.get(pk=body["ID"]).name == "Gold"
    neither = api("post", "/plans", {"Description": "No name at all"})
    assert neither.status_code == 422, neither.content
    errors = neither.json()["errors"]
    assert any(e.startswith("Name:") for e in errors) and any(e.startswith("DisplayName:") for e in errors)
    assert Plan.objects.count() == 1


def test_plan_with_a_pending_request_cannot_be_deleted(api):
    request = factories.pending_request()
    response = api("delete", f"/plans/{request.plan_id}")
    assert response.status_code == 409
    assert response.json() == {"status": "error",
                               "errors": ["1 pending access request uses it: approve or reject them first."]}
    assert Plan.objects.filter(pk=request.plan_id).exists()


# Catalogues and audiences


def test_catalogue_create_get_update_delete(api):
    org = factories.organisation("Partners")
    team = factories.team(org, "Mobile")
    product, plan = factories.product(display_name="Weather"), factories.plan(display_name="Gold")
    created = api("post", "/catalogues", {
        "Name": "Partner APIs", "NameWithSlug": "partner-apis", "VisibilityStatus": "Private",
        "Products": [product.pk], "Plans": [plan.pk],
        "OrgCatalogues": [{"OrganisationID": org.pk, "TeamID": 0}, {"OrganisationID": org.pk, "TeamID": team.pk}]})
    body = ok(created)
    assert "NameWithSlug" in created["Warning"]
    assert (body["Name"], body["NameWithSlug"], body["VisibilityStatus"], body["Products"], body["Plans"]) == (
        "Partner APIs", "partner-apis", "Private", ["Weather"], ["Gold"])
    assert [(a["Organisation"], a["Name"], a["TeamID"], a["Catalogue"]) for a in body["OrgCatalogues"]] == [
        ("Partners", "", None, "Partner APIs"), ("Partners", "Mobile", team.pk, "Partner APIs")]
    catalogue = Catalogue.objects.get(pk=body["ID"])
    assert ok(api("get", f"/catalogues/{catalogue.pk}")) == body
    assert ok(api("get", "/catalogues")) == [{"ID": catalogue.pk, "Name": "Partner APIs",
                                              "NameWithSlug": "partner-apis", "VisibilityStatus": "Private",
                                              "Translations": {}}]

    renamed = ok(api("put", f"/catalogues/{catalogue.pk}", {"Name": "Partners only"}))
    assert (renamed["Products"], renamed["Plans"], len(renamed["OrgCatalogues"])) == (["Weather"], ["Gold"], 2)
    cleared = ok(api("put", f"/catalogues/{catalogue.pk}", {"Plans": None, "VisibilityStatus": "Public",
                                                            "OrgCatalogues": []}))
    assert (cleared["Plans"], cleared["Products"], cleared["OrgCatalogues"]) == ([], ["Weather"], [])

    assert ok(api("delete", f"/catalogues/{catalogue.pk}")) == {"status": "ok"}
    assert not Catalogue.objects.filter(pk=catalogue.pk).exists()
    # The audiences are part of the catalogue's audit entries (Catalogue.audit_extra).
    assert actions(catalogue) == ["create", "update", "update", "delete"]
    entries = AuditEntry.objects.filter(object_type="catalog.catalogue", changes__has_key="audiences")
    assert [e.changes["audiences"][1] for e in entries.order_by("pk")] == [
        ["Partners (all teams)", "Partners / Mobile"], [], None]


def test_a_private_catalogue_needs_an_audience(api):
    response = api("post", "/catalogues", {"Name": "Hidden"})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        "OrgCatalogues: A private catalogue needs at least one audience, or nobody sees it."]
    org, other = factories.organisation(), factories.organisation()
    wrong_team = api("post", "/catalogues", {"Name": "Hidden", "OrgCatalogues": [
        {"OrganisationID": org.pk, "TeamID": factories.team(other).pk}]})
    assert wrong_team.status_code == 422 and wrong_team.json()["errors"][0].startswith("OrgCatalogues.0.TeamID:")
    no_org = api("post", "/catalogues", {"Name": "Hidden", "OrgCatalogues": [{"OrganisationID": 999999}]})
    assert no_org.json()["errors"] == ["OrgCatalogues.0.OrganisationID: there is no organisation 999999"]
    assert api("post", "/catalogues", {"Name": "Hidden", "VisibilityStatus": "private"}).status_code == 422
    assert not Catalogue.objects.exists()


def test_catalogue_audiences(api):
    org = factories.organisation("Partners")
    team = factories.team(org, "Mobile")
    catalogue = factories.catalogue(visibility=Catalogue.Visibility.PRIVATE, audiences=[org])
    whole = catalogue.audiences.get()
    base = f"/catalogues/{catalogue.pk}/audiences"
    assert ok(api("get", base)) == [{"ID": whole.pk, "OrganisationID": org.pk, "TeamID": None}]
    added = ok(api("post", base, {"OrganisationID": org.pk, "TeamID": team.pk, "CreatedAt": "2024-01-01 00:00"}),
               201)
    assert (added["OrganisationID"], added["TeamID"]) == (org.pk, team.pk)
    assert ok(api("get", f"{base}/{added['ID']}")) == added
    duplicate = api("post", base, {"OrganisationID": org.pk, "TeamID": team.pk})
    assert duplicate.status_code == 422 and duplicate.json()["errors"] == ["the catalogue already has this audience"]
    assert api("post", base, {"OrganisationID": factories.organisation().pk, "TeamID": team.pk}).status_code == 422
    assert api("post", base, {"OrganisationID": org.pk, "Team": 1}).status_code == 422

    assert ok(api("delete", f"{base}/{whole.pk}")) == {"status": "ok"}
    last = api("delete", f"{base}/{added['ID']}")
    assert last.status_code == 409
    assert last.json()["errors"] == ["A private catalogue needs at least one audience, or nobody sees it."]
    assert list(CatalogueAudience.objects.values_list("pk", flat=True)) == [added["ID"]]
    assert api("get", f"/catalogues/{factories.catalogue().pk}/audiences/{added['ID']}").status_code == 404
    assert api("get", "/catalogues/999999/audiences").status_code == 404
    assert actions(catalogue) == ["update", "update"]  # added Mobile, removed the whole organisation


def test_catalogue_used_by_an_access_request_cannot_be_deleted(api):
    request = factories.pending_request()
    response = api("delete", f"/catalogues/{request.catalogue_id}")
    assert response.status_code == 409
    assert response.json()["errors"] == [
        "1 access request was made through it: remove its products instead."]


# Shared behaviour of every resource


def _provider():
    return f"/providers/{factories.provider().pk}"


def _product():
    return f"/products/{factories.product().pk}"


def _plan():
    return f"/plans/{factories.plan().pk}"


def _catalogue():
    return f"/catalogues/{factories.catalogue().pk}"


def _doc():
    product = factories.product()
    return f"/products/{product.pk}/docs/{ProductDoc.objects.create(product=product, title='Doc').pk}"


RESOURCES = {
    # name: (collection, one existing object's path, a valid body, its string field limited to 255 characters)
    "providers": ("/providers", _provider, provider_body, "Name"),
    "products": ("/products", _product, lambda: {"Name": "Weather"}, "DisplayName"),
    "plans": ("/plans", _plan, lambda: {"Name": "gold"}, "DisplayName"),
    "catalogues": ("/catalogues", _catalogue, lambda: {"Name": "Open", "VisibilityStatus": "Public"}, "Name"),
    "docs": (None, _doc, lambda: {"Title": "Start"}, "Title"),
}


@pytest.mark.parametrize("name", RESOURCES)
def test_bad_requests_have_the_envelope_and_change_nothing(api, name):
    collection, existing, valid, limited = RESOURCES[name]
    path = existing()
    before = AuditEntry.objects.count()
    targets = [("put", path)] + ([("post", collection)] if collection else [])
    for method, url in targets:
        assert api(method, url, "{broken").status_code in (400, 422)
        wrong = api(method, url, {**valid(), limited: 5})
        assert wrong.status_code == 422 and wrong.json()["errors"][0].startswith(f"{limited}:")
        long = api(method, url, {**valid(), limited: "x" * 300})
        assert long.status_code == 422 and long.json()["errors"][0].startswith(f"{limited}:"), long.content
        unknown = api(method, url, {**valid(), "Colour": "red"})
        assert unknown.status_code == 422 and "Colour" in unknown.json()["errors"][0]
        assert unknown.json()["status"] == "error"
    missing = path.rsplit("/", 1)[0] + "/999999"
    for method, body in (("get", None), ("put", valid()), ("delete", None)):
        response = api(method, missing, body)
        assert response.status_code == 404 and response.json()["status"] == "error"
    assert api("get", path.rsplit("/", 1)[0] + "/99999999999999999999").status_code == 422  # no row's ID
    assert AuditEntry.objects.count() == before


def _many(kind, count, parent):
    """`count` more rows listed by `kind`'s endpoint, with what their items show."""
    if kind in ("providers", "products", "plans", "catalogues"):
        factories.many(kind, count)
    elif kind == "api-details":
        ProductAPI.objects.bulk_create(ProductAPI(product=parent, api_id=f"a{factories.n()}", name=f"API {i}")
                                       for i in range(count))
    elif kind == "docs":
        ProductDoc.objects.bulk_create(ProductDoc(product=parent, title=f"Doc {i}", position=i)
                                       for i in range(count))
    elif kind == "audiences":
        orgs = Organisation.objects.bulk_create(Organisation(name=f"Audience {factories.n()}") for _ in range(count))
        CatalogueAudience.objects.bulk_create(CatalogueAudience(catalogue=parent, organisation=o) for o in orgs)


LISTS = {"providers": "/providers", "products": "/products", "api-details": "/products/{product}/api-details",
         "docs": "/products/{product}/docs", "plans": "/plans", "catalogues": "/catalogues",
         "audiences": "/catalogues/{catalogue}/audiences"}


@pytest.mark.parametrize("kind", LISTS)
def test_lists_are_paginated(api, kind):
    product, catalogue = factories.product(), factories.catalogue()
    parent = catalogue if kind == "audiences" else product
    _many(kind, 25, parent)
    url = LISTS[kind].format(product=product.pk, catalogue=catalogue.pk)
    first = ok(api("get", url))
    assert len(first) == 20
    rest = ok(api("get", url, page=2))
    assert rest and len(rest) <= 20
    assert not {i["ID"] if "ID" in i else i["APIID"] for i in first} & {
        i["ID"] if "ID" in i else i["APIID"] for i in rest}
    assert (ok(api("get", url, page=99))) == []
    assert len(ok(api("get", url, per_page=5))) == 5
    assert api("get", url, per_page=101).status_code == 422


@pytest.mark.parametrize("kind", LISTS)
def test_lists_run_a_constant_number_of_queries(api, kind):
    product, catalogue = factories.product(), factories.catalogue()
    parent = catalogue if kind == "audiences" else product
    url = LISTS[kind].format(product=product.pk, catalogue=catalogue.pk)
    api("get", url)
    _many(kind, 10, parent)
    with CaptureQueriesContext(connection) as small:
        assert len(ok(api("get", url, per_page=10))) == 10
    _many(kind, 100, parent)
    with CaptureQueriesContext(connection) as large:
        assert len(ok(api("get", url, per_page=100))) == 100
    assert len(large.captured_queries) == len(small.captured_queries), kind


def _listed(api, **params):
    return {p["ID"]: p for p in ok(api("get", "/products", per_page=100, **params))}


def test_the_products_list_is_cached_and_answers_every_change_at_the_next_call(api):
    """/products is kept encoded under the content revision: a repeated call reads no product, and
    every kind of change (made through the Admin API, the ORM or a bulk update) shows at once."""
    product = factories.product(name="first", display_name="First")
    assert _listed(api)[product.pk]["DisplayName"] == "First"
    with CaptureQueriesContext(connection) as hit:
        assert _listed(api)[product.pk]["DisplayName"] == "First"
    assert not [q for q in hit.captured_queries if "catalog_product" in q["sql"]], hit.captured_queries

    ok(api("put", f"/products/{product.pk}", {"DisplayName": "Renamed"}))
    assert _listed(api)[product.pk]["DisplayName"] == "Renamed"
    api_row = ProductAPI.objects.create(product=product, api_id="a1", name="A", listen_path="/a/", auth_type="jwt")
    assert _listed(api)[product.pk]["AuthTypes"] == ["jwt"]
    api_row.auth_type = "hmac"
    api_row.save()
    assert _listed(api)[product.pk]["APIDetails"][0]["APIType"] == "hmac"
    from forecourt.pagecache import revision

    Product.objects.filter(pk=product.pk).update(published=True)  # a bulk write bumps the revision itself
    revision.bump()
    assert _listed(api)[product.pk]["Published"] is True
    created = ok(api("post", "/products", {"Name": "second"}), 201)
    assert set(_listed(api)) == {product.pk, created["ID"]}
    ok(api("delete", f"/products/{created['ID']}"))
    assert set(_listed(api)) == {product.pk}
    # Pages are cached apart, and a bad page is refused before any cache is read.
    assert _listed(api, page=2) == {}
    assert api("get", "/products", per_page=0).status_code == 422


def test_the_cached_products_list_is_what_the_schema_says(api):
    """The encoded answer is the operation's declared schema, field for field, on a miss and on a hit."""
    from forecourt.api.routers.products import ProductSummary

    product = factories.product(name="p", display_name="P")
    ProductAPI.objects.create(product=product, api_id="a1", name="A", listen_path="/a/", auth_type="jwt")
    miss = api("get", "/products")
    hit = api("get", "/products")
    assert miss.content == hit.content and miss["Content-Type"] == "application/json; charset=utf-8"
    [item] = json.loads(hit.content)
    assert list(item) == list(ProductSummary.model_fields)
    assert ProductSummary.model_validate(item).model_dump() == item


def test_product_featured_is_written_kept_by_partial_updates_and_audited(api):
    body = ok(api("post", "/products", {"Name": "Weather"}), 201)
    assert body["Featured"] is False  # new products are not featured
    product = Product.objects.get(pk=body["ID"])
    assert ok(api("put", f"/products/{product.pk}", {"Featured": True}))["Featured"] is True
    assert ok(api("put", f"/products/{product.pk}", {"Description": "Forecasts"}))["Featured"] is True  # kept
    assert [p["Featured"] for p in ok(api("get", "/products"))] == [True]  # the list says so too
    refused = api("put", f"/products/{product.pk}", {"Featured": "sometimes"})
    assert refused.status_code == 422
    product.refresh_from_db()
    assert product.featured is True
    entry = AuditEntry.objects.filter(object_id=str(product.pk), action="update").order_by("pk").first()
    assert entry is not None and "featured" in json.dumps(entry.changes)
