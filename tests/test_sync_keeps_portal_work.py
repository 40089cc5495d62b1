"""What the portal owns survives the gateway: documents, API IDs and published products are kept
through pushes and syncs, and a policy the sync cannot read never unpublishes a product.

Every test runs against the Tyk Dashboard simulator, on each engine of the suite."""

import json

import pytest

from forecourt.catalog.models import Catalogue, Plan, Product, ProductAPI
from forecourt.jobs import queue
from forecourt.notify.models import EmailLog
from forecourt.portalconfig.models import PortalSettings
from forecourt.providers import sync
from forecourt.providers.models import Provider
from forecourt.webhooks.models import Event

from .support.tyk import ORG_ID, SECRET, running, simulator, tyk_dashboard
from .support.tyk import client as dashboard_client

__all__ = ["tyk_dashboard"]
pytestmark = pytest.mark.django_db

PORTAL_DOC = json.dumps({"openapi": "3.0.3", "info": {"title": "Payments, as the portal tells it", "version": "2"},
                         "paths": {"/charges": {"get": {"responses": {"200": {"description": "ok"}}}}}})


def run_jobs() -> None:
    while queue.run_next("test") is not None:
        pass


@pytest.fixture
def provider(tyk_dashboard):
    return Provider.objects.create(name="Dashboard", url=tyk_dashboard.url, secret=SECRET, org_id=ORG_ID,
                                   policy_tags=["portal"])


def published(name: str) -> Product:
    product = Product.objects.get(name=name)
    product.published = True
    product.save(update_fields=["published"])
    Catalogue.objects.get_or_create(name="Public", visibility=Catalogue.Visibility.PUBLIC)[0].products.add(product)
    return product


def put_policy(dashboard, policy: dict) -> None:
    with dashboard_client(dashboard) as http:
        response = http.put(f"/api/portal/policies/{policy['_id']}", json=policy)
    assert response.status_code == 200, response.text


def test_a_document_saved_in_the_admin_portal_survives_a_push_and_two_syncs_at_the_same_url(
        provider, tyk_dashboard, client, admin):
    sync.sync(provider)
    product = published("Payments Product")
    (api,) = product.apis.all()
    assert api.api_id == simulator.API_PAYMENTS and not api.has_document  # a classic API: no gateway document

    client.force_login(admin)
    response = client.post(f"/portal-admin/product-apis/{api.pk}/", {
        "product": product.pk, "name": api.name, "api_id": api.api_id, "listen_path": api.listen_path,
        "auth_type": api.auth_type, "oas_document": PORTAL_DOC, "document_source": "portal"})
    assert response.status_code == 302, response.content.decode()[:2000]
    product.refresh_from_db()
    assert product.push_state == "pending"  # saving an API writes the product's policy
    run_jobs()  # the push: reads the policy back and updates the APIs from the Dashboard's answer
    product.refresh_from_db()
    assert product.push_state == "", product.push_error
    for _ in range(2):
        sync.sync(provider)

    (after,) = ProductAPI.objects.filter(product=product)
    assert after.pk == api.pk  # the same row, so the same docs URL
    assert after.oas_document == PORTAL_DOC and after.gateway_document == ""
    client.logout()
    docs = client.get(f"/catalogue-products/{product.slug}/{api.pk}/docs")
    assert docs.status_code == 200
    document = client.get(f"/catalogue-products/{product.slug}/{api.pk}/openapi")
    assert document.status_code == 200 and b"Payments, as the portal tells it" in document.content


def test_the_gateway_changes_only_what_it_owns_and_the_admin_chooses_which_document_is_shown(
        provider, tyk_dashboard):
    sync.sync(provider)
    product = published("Petstore Product")
    (api,) = product.apis.all()
    gateway_doc = api.gateway_document
    # A Tyk OAS API brings its document.
    assert json.loads(gateway_doc)["info"]["title"] == "Petstore" and api.oas_document == ""
    assert api.document == gateway_doc

    ProductAPI.objects.filter(pk=api.pk).update(oas_document=PORTAL_DOC)
    api.refresh_from_db()
    assert api.document == PORTAL_DOC  # the portal's by default
    ProductAPI.objects.filter(pk=api.pk).update(document_source="gateway")
    api.refresh_from_db()
    assert api.document == gateway_doc

    # The gateway renames the API and moves it: the row follows, the portal's document stays.
    wrapper = tyk_dashboard.apis[simulator.API_PETSTORE]
    definition = {**wrapper["api_definition"], "name": "Petstore v2",
                  "proxy": {**wrapper["api_definition"]["proxy"], "listen_path": "/pets/v2/"}}
    tyk_dashboard.add_api(definition, oas=json.loads(gateway_doc))
    report = sync.sync(provider)
    assert report.products_updated == 2  # the Petstore Product and the Commerce Bundle
    api.refresh_from_db()
    assert (api.name, api.listen_path, api.oas_document, api.document_source) == (
        "Petstore v2", "/pets/v2/", PORTAL_DOC, "gateway")
    assert sync.sync(provider).writes == 0  # and a sync with nothing new writes nothing


def test_apis_leaving_and_joining_a_product_are_removed_and_added_and_the_rest_keep_their_rows(
        provider, tyk_dashboard):
    sync.sync(provider)
    bundle = Product.objects.get(name="Commerce Bundle")
    rows = {a.api_id: a.pk for a in bundle.apis.all()}
    assert set(rows) == {simulator.API_PAYMENTS, simulator.API_PETSTORE}
    ProductAPI.objects.filter(pk=rows[simulator.API_PAYMENTS]).update(oas_document=PORTAL_DOC)

    policy = tyk_dashboard.policy_named("Commerce Bundle")
    rights = dict(policy["access_rights"])
    rights.pop(simulator.API_PETSTORE)
    rights[simulator.API_WEATHER] = {**rights[simulator.API_PAYMENTS], "api_id": simulator.API_WEATHER,
                                     "api_name": "Weather API"}
    put_policy(tyk_dashboard, {**policy, "access_rights": rights})
    sync.sync(provider)

    after = {a.api_id: a for a in bundle.apis.all()}
    assert set(after) == {simulator.API_PAYMENTS, simulator.API_WEATHER}
    assert after[simulator.API_PAYMENTS].pk == rows[simulator.API_PAYMENTS]
    assert after[simulator.API_PAYMENTS].oas_document == PORTAL_DOC


# -- a policy the sync cannot read ----------------------------------------------------------------

def test_an_unreadable_policy_keeps_its_product_published_flags_it_and_tells_the_admins_once(
        provider, tyk_dashboard, client, admin, api):
    PortalSettings.objects.update_or_create(pk=1, defaults={"admin_notification_address": "ops@example.com"})
    sync.sync(provider)
    product = published("Payments Product")
    assert client.get(f"/catalogue-products/{product.slug}").status_code == 200

    policy = tyk_dashboard.policy_named("Payments Product")
    broken = {**policy, "access_rights": {"no-such-api": {**policy["access_rights"][simulator.API_PAYMENTS],
                                                          "api_id": "no-such-api"}}}
    put_policy(tyk_dashboard, broken)
    report = sync.sync(provider)

    product.refresh_from_db()
    assert not product.hidden_by_sync and product.published
    assert "no-such-api" in product.sync_problem and product.sync_problem_since is not None
    assert [a.api_id for a in product.apis.all()] == [simulator.API_PAYMENTS]  # its last good state
    assert client.get(f"/catalogue-products/{product.slug}").status_code == 200
    assert {p["policy"] for p in report.problems} >= {policy["_id"]}
    (mail,) = EmailLog.objects.filter(template="policy_unreadable")
    assert mail.to == "ops@example.com" and "Payments Product" in mail.body_text and "no-such-api" in mail.body_text
    (event,) = Event.objects.filter(name="ProviderPolicyUnreadable")
    assert event.message["ID"] == product.pk and event.message["PolicyID"] == policy["_id"]

    # The admins see it: on the dashboard, in the products list (filtered), on the product, in the Admin API.
    client.force_login(admin)
    dashboard_page = client.get("/portal-admin/").content.decode()
    assert "1</strong> product whose policy is unreadable" in dashboard_page
    listed = client.get("/portal-admin/products/?sync_problem=1").content.decode()
    assert "Payments Product" in listed and "Petstore Product" not in listed
    assert "Petstore Product" in client.get("/portal-admin/products/?sync_problem=0").content.decode()
    edit = client.get(f"/portal-admin/products/{product.pk}/").content.decode()
    assert 'id="sync-problem"' in edit and "no-such-api" in edit
    answer = api("get", f"/products/{product.pk}").json()
    assert "no-such-api" in answer["SyncProblem"] and answer["SyncProblemSince"]
    client.logout()

    since = product.sync_problem_since
    sync.sync(provider)  # still broken: no second e-mail or event
    product.refresh_from_db()
    assert product.sync_problem_since == since
    assert EmailLog.objects.filter(template="policy_unreadable").count() == 1
    assert Event.objects.filter(name="ProviderPolicyUnreadable").count() == 1

    put_policy(tyk_dashboard, policy)  # fixed in the Dashboard
    sync.sync(provider)
    product.refresh_from_db()
    assert (product.sync_problem, product.sync_problem_since, product.hidden_by_sync) == ("", None, False)
    assert api("get", f"/products/{product.pk}").json()["SyncProblem"] == ""


def test_a_policy_reshaped_into_neither_product_nor_plan_keeps_its_product(provider, tyk_dashboard):
    sync.sync(provider)
    product = published("Petstore Product")
    policy = tyk_dashboard.policy_named("Petstore Product")
    put_policy(tyk_dashboard, {**policy, "partitions": {**policy["partitions"], "rate_limit": True}})
    sync.sync(provider)
    product.refresh_from_db()
    assert not product.hidden_by_sync and "partitioned neither" in product.sync_problem


@pytest.mark.parametrize("change", ["deleted", "untagged", "deactivated"])
def test_only_a_policy_really_gone_untagged_or_deactivated_hides_its_product(provider, tyk_dashboard, change):
    sync.sync(provider)
    product = published("Payments Product")
    policy = tyk_dashboard.policy_named("Payments Product")
    with dashboard_client(tyk_dashboard) as http:
        if change == "deleted":
            assert http.delete(f"/api/portal/policies/{policy['_id']}").status_code == 200
        else:
            changed = ({**policy, "tags": []} if change == "untagged"
                       else {**policy, "is_inactive": True, "state": "deny"})
            assert http.put(f"/api/portal/policies/{policy['_id']}", json=changed).status_code == 200
    sync.sync(provider)
    product.refresh_from_db()
    assert product.hidden_by_sync and product.sync_problem == ""


def test_a_policy_listed_without_an_id_is_matched_by_name_and_its_product_kept(provider, tyk_dashboard):
    sync.sync(provider)
    product = published("Payments Product")
    policy = tyk_dashboard.policy_named("Payments Product")
    with tyk_dashboard._lock:  # what a Dashboard that stored a body without its IDs lists
        tyk_dashboard._policies[policy["_id"]].update({"_id": "", "id": ""})
    sync.sync(provider)
    product.refresh_from_db()
    assert not product.hidden_by_sync and "no id" in product.sync_problem


# -- policies written back whole --------------------------------------------------------------------

def test_a_pushed_policy_is_written_back_whole_to_a_dashboard_that_stores_the_body_as_sent(admin, client):
    with running(policies_as_sent=True) as dashboard:
        provider = Provider.objects.create(name="As sent", url=dashboard.url, secret=SECRET, org_id=ORG_ID,
                                           policy_tags=["portal"])
        sync.sync(provider)
        plan = Plan.objects.get(name="Pro Plan")
        before = dashboard.policy_named("Pro Plan")
        assert before["id"] == "" and before["smoothing"]["enabled"]  # made in the Dashboard, no policy ID

        client.force_login(admin)
        response = client.post(f"/portal-admin/plans/{plan.pk}/", {
            "display_name": plan.display_name, "name": "Pro Plan Starter", "rate_limit": 100, "rate_per": 1,
            "quota_max": 1000000, "quota_renewal_seconds": plan.quota_renewal_seconds, "key_expires_in": 0,
            "provider": provider.pk, "reference_id": plan.reference_id})
        assert response.status_code == 302, response.content.decode()[:2000]
        plan.refresh_from_db()
        assert plan.display_name == "Pro Plan Starter"  # never customised: it follows the rename
        run_jobs()

        after = dashboard.policy_named("Pro Plan Starter")
        assert (after["_id"], after["id"], after["date_created"]) == (before["_id"], "", before["date_created"])
        owned = {"name", "rate", "per", "quota_max", "quota_renewal_rate", "key_expires_in", "partitions",
                 "access_rights", "tags", "last_updated"}
        assert {k: v for k, v in after.items() if k not in owned} == {
            k: v for k, v in before.items() if k not in owned}
        sync.sync(provider)
        plan.refresh_from_db()
        assert (plan.name, plan.hidden_by_sync, plan.sync_problem, plan.push_state) == (
            "Pro Plan Starter", False, "", "")


# -- the migration ----------------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_gateway_documents_apart_and_keeps_admins_documents(tyk_dashboard):
    """Until 0.6.0 one column held both: a product in step with its provider had the gateway's
    document there; a portal-only product, or one still being written, an admin's."""
    from django.core.management import call_command

    provider = Provider.objects.create(name="Dashboard", url=tyk_dashboard.url, secret=SECRET, org_id=ORG_ID)

    def api_of(name, **fields):
        product = Product.objects.create(name=name, display_name=name, slug=name.lower(), **fields)
        return ProductAPI.objects.create(product=product, name=name, api_id=name, oas_document=f"doc of {name}")

    synced = api_of("Synced", provider=provider, reference_id="p1")
    pending = api_of("Pending", provider=provider, reference_id="p2", push_state="pending")
    portal_only = api_of("Portal")

    def documents():
        return dict(ProductAPI.objects.order_by("pk").values_list("pk", "oas_document"))

    try:
        call_command("migrate", "catalog", "0002", verbosity=0)
        assert documents() == {synced.pk: "doc of Synced", pending.pk: "doc of Pending",
                               portal_only.pk: "doc of Portal"}
        call_command("migrate", verbosity=0)  # every app: going back unapplied those built on catalog
        after = {a.pk: (a.oas_document, a.gateway_document) for a in ProductAPI.objects.all()}
        assert after == {synced.pk: ("", "doc of Synced"), pending.pk: ("doc of Pending", ""),
                         portal_only.pk: ("doc of Portal", "")}
        call_command("migrate", "catalog", "0002", verbosity=0)
        assert documents() == {synced.pk: "doc of Synced", pending.pk: "doc of Pending",
                               portal_only.pk: "doc of Portal"}
    finally:
        call_command("migrate", verbosity=0)
