"""/portal-api/access_requests and /portal-api/apps: the contract, decisions, errors and query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forecourt.access import services as access
from forecourt.access.models import AccessRequest, App, Credential
from forecourt.audit.models import AuditEntry
from forecourt.catalog.models import ProductAPI
from forecourt.jobs.models import Job
from forecourt.notify.models import EmailLog

from . import factories

pytestmark = pytest.mark.django_db


def _credential(request: AccessRequest, **fields) -> Credential:
    return Credential.objects.create(**{"app": request.app, "access_request": request,
                                        "provider_reference": f"key-{request.pk}", "secret_hint": "wxyz", **fields})


def _bulk(app: App, count: int) -> None:
    """`count` access requests of `app`, each with a product (with an API) and a credential."""
    prod, pl = factories.product(published=True), factories.plan()
    ProductAPI.objects.create(product=prod, name=f"API {prod.pk}", auth_type="authToken")
    cat = factories.catalogue([prod], [pl])
    AccessRequest.objects.bulk_create(
        AccessRequest(app=app, catalogue=cat, plan=pl, requester=app.owner) for _ in range(count))
    made = list(AccessRequest.objects.filter(app=app, plan=pl))  # MySQL's bulk_create sets no primary keys
    through = AccessRequest.products.through
    through.objects.bulk_create(through(accessrequest_id=r.pk, product_id=prod.pk) for r in made)
    Credential.objects.bulk_create(Credential(app=app, access_request=r, provider_reference=f"k{r.pk}",
                                              secret_hint="abcd") for r in made)


def _apps(owner, count: int) -> None:
    App.objects.bulk_create(App(name=f"Filler {factories.n()}", owner=owner, organisation=owner.organisation)
                            for _ in range(count))


# Access requests


def test_list_and_get_show_tyk_and_forecourt_fields(api):
    request = factories.pending_request()
    product = request.products.get()
    ProductAPI.objects.create(product=product, name="Payments", auth_type="authToken")
    listed = api("get", "/access_requests")
    assert listed.status_code == 200, listed.content
    (item,) = listed.json()
    assert item["ID"] == request.pk and item["Status"] == "pending"
    assert (item["Catalogue"], item["CatalogueID"]) == (request.catalogue.name, request.catalogue_id)
    assert (item["Plan"], item["PlanID"]) == (request.plan.display_name, request.plan_id)
    assert (item["Client"], item["AppID"]) == (request.app.name, request.app_id)
    assert (item["User"], item["UserID"]) == (request.requester.email, request.requester_id)
    assert (item["Products"], item["ProductIDs"]) == (product.display_name, [product.pk])
    assert item["AuthType"] == "authToken" and item["ProvisionImmediately"] is False
    assert (item["Reason"], item["DecidedBy"], item["DecidedAt"]) == ("", None, None)
    assert (item["Provisioning"], item["ProvisioningError"]) == ("not-needed", "")
    assert len(item["CreatedAt"]) == len("2026-01-01 00:00") and item["UpdatedAt"] == item["CreatedAt"]
    assert "Credentials" not in item
    one = api("get", f"/access_requests/{request.pk}").json()
    assert one["Credentials"] == [] and one["Products"] == product.display_name


def test_status_filter(api, admin):
    pending = factories.pending_request()
    approved = access.approve(factories.pending_request(), admin)
    rejected = access.reject(factories.pending_request(), admin, "Not now.")
    for status, expected in (("pending", pending), ("approved", approved), ("rejected", rejected)):
        assert [r["ID"] for r in api("get", "/access_requests", status=status).json()] == [expected.pk]
    assert len(api("get", "/access_requests").json()) == 3
    wrong = api("get", "/access_requests", status="maybe")
    assert wrong.status_code == 422 and "status: Input should be" in wrong.json()["errors"][0]


def test_approve_records_the_decision_and_the_admin(api, admin):
    request = factories.pending_request()
    response = api("put", f"/access_requests/{request.pk}/approve")
    assert response.status_code == 200, response.content
    assert response.json() == {"status": "ok", "message": f"Access request #{request.pk} approved"}
    request.refresh_from_db()
    assert (request.status, request.decided_by, request.provisioning) == ("approved", admin, "not-needed")
    entry = AuditEntry.objects.get(action="approve", object_id=str(request.pk))
    assert (entry.actor, entry.actor_email) == (admin, admin.email)
    shown = api("get", f"/access_requests/{request.pk}").json()
    assert shown["Status"] == "approved" and shown["DecidedBy"] == admin.email and shown["DecidedAt"]


def test_approve_with_a_provider_queues_provisioning(api):
    request = factories.pending_request(plan_obj=factories.plan(provider=factories.provider()))
    response = api("put", f"/access_requests/{request.pk}/approve")
    assert "the credential is being created at the provider" in response.json()["message"]
    assert api("get", f"/access_requests/{request.pk}").json()["Provisioning"] == "pending"


def test_reject_without_a_body_or_reason_as_portal_go_does(api, admin):
    """portal-go's RejectAR sends no body: the request is rejected with no reason (Tyk's contract);
    the consumer is still e-mailed. The Admin Portal, for people, asks for one (test_access_requests)."""
    for body in (None, {}, {"Reason": None}, {"Reason": "   "}):
        request = factories.pending_request()
        response = api("put", f"/access_requests/{request.pk}/reject", body)
        assert response.status_code == 200, (body, response.content)
        assert response.json() == {"status": "ok", "message": f"Access request #{request.pk} rejected"}
        request.refresh_from_db()
        assert (request.status, request.reason, request.decided_by) == ("rejected", "", admin)
        assert api("get", f"/access_requests/{request.pk}").json()["Reason"] == ""
        assert AuditEntry.objects.get(action="reject", object_id=str(request.pk)).actor == admin
        (sent,) = EmailLog.objects.filter(template="access_request_rejected", to=request.requester.email)
        assert "not approved" in sent.body_text and "Reason given" not in sent.body_text


def test_reject_with_a_reason(api, admin):
    request = factories.pending_request()
    url = f"/access_requests/{request.pk}/reject"
    too_long = api("put", url, {"Reason": "x" * 2001})
    assert too_long.status_code == 422 and too_long.json()["errors"] == ["Reason: At most 2000 characters."]
    assert api("put", url, {"Reason": 5}).status_code == 422
    unknown = api("put", url, {"Reason": "x", "Because": "y"})
    assert unknown.status_code == 422 and "Because" in unknown.json()["errors"][0]
    request.refresh_from_db()
    assert request.status == "pending"

    response = api("put", url, {"Reason": "Use the sandbox plan first."})
    assert response.json() == {"status": "ok", "message": f"Access request #{request.pk} rejected"}
    request.refresh_from_db()
    assert (request.status, request.reason, request.decided_by) == ("rejected", "Use the sandbox plan first.", admin)
    entry = AuditEntry.objects.get(action="reject", object_id=str(request.pk))
    assert (entry.actor, entry.note) == (admin, "Use the sandbox plan first.")
    assert api("get", f"/access_requests/{request.pk}").json()["Reason"] == "Use the sandbox plan first."


def test_a_decided_request_cannot_be_decided_again(api):
    request = factories.pending_request()
    api("put", f"/access_requests/{request.pk}/approve")
    again = api("put", f"/access_requests/{request.pk}/approve")
    assert again.status_code == 409
    assert again.json() == {"status": "error", "errors": [f"access request #{request.pk} was already approved"]}
    reject = api("put", f"/access_requests/{request.pk}/reject", {"Reason": "Changed my mind."})
    assert reject.status_code == 409 and "already approved" in reject.json()["errors"][0]
    request.refresh_from_db()
    assert request.status == "approved"
    assert AuditEntry.objects.filter(object_id=str(request.pk), action__in=["approve", "reject"]).count() == 1


def test_only_pending_requests_can_be_deleted(api, admin):
    pending, decided = factories.pending_request(), factories.pending_request()
    access.approve(decided, admin)
    refused = api("delete", f"/access_requests/{decided.pk}")
    assert refused.status_code == 409 and "only pending requests can be deleted" in refused.json()["errors"][0]
    assert api("delete", f"/access_requests/{pending.pk}").json() == {"status": "ok"}
    assert list(AccessRequest.objects.values_list("pk", flat=True)) == [decided.pk]
    assert AuditEntry.objects.get(action="delete", object_id=str(pending.pk)).actor == admin


@pytest.mark.parametrize(("method", "path"), [
    ("get", "/access_requests/999999"), ("put", "/access_requests/999999/approve"),
    ("put", "/access_requests/999999/reject"), ("delete", "/access_requests/999999"),
    ("get", "/apps/999999"), ("put", "/apps/999999"), ("delete", "/apps/999999"),
    ("get", "/apps/999999/access-requests"), ("get", "/apps/999999/credentials"),
    ("put", "/apps/999999/credentials/999999/rotate"), ("delete", "/apps/999999/credentials/999999"),
    ("put", "/apps/999999/access-requests/999999/credentials/999999/rotate"),
    ("put", "/apps/999999/provision"), ("delete", "/apps/999999/access-requests/999999"),
    ("get", "/apps/999999/access-requests/999999/credentials/999999"),
    ("delete", "/apps/999999/access-requests/999999/credentials/999999"),
])
def test_unknown_ids_are_404(api, method, path):
    response = api(method, path, {"Reason": "x"} if "reject" in path else ({} if method == "put" else None))
    assert response.status_code == 404, response.content
    assert response.json()["status"] == "error"


# Apps


def test_create_get_update_delete_an_app(api, admin, consumer):
    created = api("post", "/apps", {"Name": "Payments", "Description": "Takes money",
                                    "RedirectURLs": "https://a.example/cb, https://b.example/cb\nhttps://c.example/cb",
                                    "UserID": consumer.pk})
    assert created.status_code == 200, created.content
    body = created.json()
    assert (body["Name"], body["Description"], body["UserID"]) == ("Payments", "Takes money", consumer.pk)
    assert body["RedirectURLs"] == "https://a.example/cb,https://b.example/cb,https://c.example/cb"
    assert body["Visibility"] == "organisation"  # Tyk's default
    assert body["OrganisationID"] == consumer.organisation_id and body["TeamID"] is not None
    assert body["AccessRequests"] == [] and len(body["CreatedAt"]) == len("2026-01-01 00:00")
    app_id = body["ID"]
    assert api("get", f"/apps/{app_id}").json()["Name"] == "Payments"

    updated = api("put", f"/apps/{app_id}", {"Description": "Takes more money", "Visibility": "personal"}).json()
    assert (updated["Name"], updated["Description"], updated["Visibility"]) == \
        ("Payments", "Takes more money", "personal")
    assert updated["RedirectURLs"] == body["RedirectURLs"]
    assert api("put", f"/apps/{app_id}", {"RedirectURLs": ""}).json()["RedirectURLs"] == ""
    assert api("delete", f"/apps/{app_id}").json() == {"status": "ok"}
    assert not App.objects.filter(pk=app_id).exists()
    entries = AuditEntry.objects.filter(object_type="access.app")
    assert list(entries.values_list("action", flat=True)) == ["delete", "update", "update", "create"]
    assert {e.actor for e in entries} == {admin}


def test_app_errors_have_the_envelope_and_change_nothing(api, consumer):
    good = {"Name": "A", "UserID": consumer.pk}
    assert api("post", "/apps", "{broken").status_code in (400, 422)
    assert api("post", "/apps", {**good, "Name": 5}).status_code == 422
    assert api("post", "/apps", {**good, "UserID": "someone"}).status_code == 422
    assert api("post", "/apps", {**good, "Name": "x" * 300}).json()["errors"][0].startswith("Name:")
    assert api("post", "/apps", {"Name": "A"}).json()["errors"] == ["UserID: This field is required."]
    assert api("post", "/apps", {**good, "UserID": 999999}).json()["errors"][0].startswith("UserID:")
    bad_url = api("post", "/apps", {**good, "RedirectURLs": "https://ok.example/cb,not a url"})
    assert bad_url.json()["errors"] == ["RedirectURLs: Not a valid URL: not a url"]
    assert api("post", "/apps", {**good, "Visibility": "public"}).json()["errors"][0].startswith("Visibility:")
    unknown = api("post", "/apps", {**good, "Colour": "red"})
    assert unknown.status_code == 422 and "Colour" in unknown.json()["errors"][0]
    assert App.objects.count() == 0
    app = factories.app(consumer)
    assert api("put", f"/apps/{app.pk}", {"Name": ""}).json()["errors"] == ["Name: This field is required."]
    app.refresh_from_db()
    assert app.name.startswith("App ")


def test_tyk_only_fields_are_accepted_ignored_and_reported(api, consumer):
    response = api("post", "/apps", {"Name": "Export", "UserID": consumer.pk, "ID": 7, "CreatedAt": "2023-06-25 13:37",
                                     "AccessRequests": []})
    assert response.status_code == 200, response.content
    assert App.objects.get(name="Export").pk == response.json()["ID"]
    assert all(name in response["Warning"] for name in ("ID", "CreatedAt", "AccessRequests"))
    assert "Warning" not in api("get", "/apps")


def test_deleting_an_app_revokes_its_live_credentials_at_the_gateway(api):
    request = factories.pending_request()
    cred = _credential(request)
    assert api("delete", f"/apps/{request.app_id}").json() == {"status": "ok"}
    assert not AccessRequest.objects.filter(pk=request.pk).exists()
    # The row goes with the app; the job that removes the key from the gateway outlives it.
    (job,) = Job.objects.filter(name="access.revoke")
    assert job.payload["ref"]["credential_id"] == cred.pk
    assert job.payload["ref"]["reference"] == cred.provider_reference


def test_an_apps_access_requests_and_credentials_never_show_a_secret(api, admin):
    request = factories.pending_request()
    access.approve(request, admin)
    cred = _credential(request, type=Credential.Type.OAUTH2_CLIENT)
    other = factories.pending_request()

    app = api("get", f"/apps/{request.app_id}").json()
    (in_app,) = app["AccessRequests"]
    assert in_app["ID"] == request.pk and in_app["Products"] == [request.products.get().display_name]
    assert [c["ID"] for c in in_app["Credentials"]] == [cred.pk]

    (listed,) = api("get", f"/apps/{request.app_id}/access-requests").json()
    assert listed["Status"] == "approved" and isinstance(listed["Products"], str)
    (shown,) = listed["Credentials"]
    assert shown == api("get", f"/apps/{request.app_id}/credentials").json()[0]
    assert shown["AccessRequest"] == f"AccessRequest#{request.pk}" and shown["AccessRequestID"] == request.pk
    assert (shown["Type"], shown["OAuthClientID"], shown["SecretHint"]) == ("oauth2-client", cred.provider_reference,
                                                                            "wxyz")
    assert shown["RevokedAt"] is None and shown["Expires"] is None
    assert not {"Credential", "CredentialHash", "OAuthClientSecret", "Secret"} & set(shown)

    nested = f"/apps/{request.app_id}/access-requests/{request.pk}"
    assert api("get", nested).json()["ID"] == request.pk
    assert api("get", f"{nested}/credentials").json() == [shown]
    assert api("get", f"/apps/{request.app_id}/access-requests/{other.pk}").status_code == 404
    assert api("get", f"/apps/{request.app_id}/access-requests/{other.pk}/credentials").status_code == 404


def test_rotation_errors_are_422_and_change_nothing(api):
    """Rotation itself is tested against the Tyk simulator (test_credentials_lifecycle.py)."""
    request = factories.pending_request()
    cred = _credential(request)  # pending: never made at a gateway
    gone = _credential(request, provider_reference="gone", status=Credential.Status.ACTIVE)  # no provider
    for path in (f"/apps/{request.app_id}/credentials/{cred.pk}/rotate",
                 f"/apps/{request.app_id}/access-requests/{request.pk}/credentials/{cred.pk}/rotate"):
        response = api("put", path)
        assert response.status_code == 422, response.content
        assert response.json()["errors"] == [
            "Only active credentials can be rotated; this one is Being created at the gateway."]
    response = api("put", f"/apps/{request.app_id}/credentials/{gone.pk}/rotate")
    assert response.status_code == 422
    assert response.json()["errors"] == ["This credential's provider is gone or no longer serves its plan."]
    other = factories.pending_request()
    assert api("put", f"/apps/{other.app_id}/credentials/{cred.pk}/rotate").status_code == 404
    assert api("put", f"/apps/{request.app_id}/access-requests/{other.pk}/credentials/{cred.pk}/rotate") \
        .status_code == 404
    assert Credential.objects.count() == 2 and not Job.objects.exists()
    cred.refresh_from_db()
    assert (cred.provider_reference, cred.secret_hint, cred.status) == (f"key-{request.pk}", "wxyz", "pending")


def test_revoking_a_credential_is_idempotent(api, admin):
    request = factories.pending_request()
    cred = _credential(request, status=Credential.Status.ACTIVE)
    path = f"/apps/{request.app_id}/credentials/{cred.pk}"
    assert api("delete", f"/apps/{factories.pending_request().app_id}/credentials/{cred.pk}").status_code == 404
    for _ in range(2):
        assert api("delete", path).json() == {"status": "ok"}
    cred.refresh_from_db()
    assert cred.status == "revoking" and cred.revoked_at is not None
    (job,) = Job.objects.filter(name="access.revoke")
    assert job.payload["ref"]["reference"] == cred.provider_reference
    assert AuditEntry.objects.filter(object_type="access.credential", object_id=str(cred.pk), actor=admin).count() == 1


# Lists


def test_lists_are_bare_arrays_paginated(api):
    factories.many("apps", 25)
    first = api("get", "/apps").json()
    assert isinstance(first, list) and len(first) == 20
    assert len(api("get", "/apps", page=2).json()) == 5
    assert api("get", "/apps", page=9).json() == []
    assert len(api("get", "/access_requests", per_page=7).json()) == 7
    assert len(api("get", "/access_requests", page=3, per_page=10).json()) == 5
    app = App.objects.first()
    _bulk(app, 24)
    assert len(api("get", f"/apps/{app.pk}/access-requests").json()) == 20
    assert len(api("get", f"/apps/{app.pk}/access-requests", page=2).json()) == 5
    assert len(api("get", f"/apps/{app.pk}/credentials", page=2).json()) == 5


@pytest.mark.parametrize("path", ["/access_requests", "/apps/{app}/credentials"])
@pytest.mark.parametrize("params", [{"page": 0}, {"per_page": 0}, {"per_page": 101}, {"page": "x"}])
def test_bad_paging_is_a_422_envelope(api, consumer, path, params):
    response = api("get", path.format(app=factories.app(consumer).pk), **params)
    assert response.status_code == 422 and response.json()["status"] == "error"


@pytest.mark.parametrize("path", ["/access_requests", "/access_requests?status=pending", "/apps",
                                  "/apps/{app}/access-requests", "/apps/{app}/credentials",
                                  "/apps/{app}/access-requests/{request}/credentials"])
def test_lists_run_a_constant_number_of_queries(api, consumer, path):
    app = factories.app(consumer)
    _bulk(app, 10)
    _apps(consumer, 10)
    first = AccessRequest.objects.filter(app=app).first()
    assert first is not None
    Credential.objects.bulk_create(  # so that one access request has more than 100 credentials
        Credential(app=app, access_request=first, provider_reference=f"more-{i}") for i in range(109))
    url = path.format(app=app.pk, request=first.pk)
    sep = "&" if "?" in url else "?"
    api("get", url)
    with CaptureQueriesContext(connection) as small:
        assert len(api("get", f"{url}{sep}per_page=10").json()) == 10
    _bulk(app, 100)
    _apps(consumer, 100)
    with CaptureQueriesContext(connection) as large:
        assert len(api("get", f"{url}{sep}per_page=100").json()) == 100
    assert len(large.captured_queries) == len(small.captured_queries)


def test_an_apps_page_runs_a_constant_number_of_queries(api, consumer):
    app = factories.app(consumer)
    _bulk(app, 5)
    api("get", f"/apps/{app.pk}")
    with CaptureQueriesContext(connection) as small:
        assert len(api("get", f"/apps/{app.pk}").json()["AccessRequests"]) == 5
    _bulk(app, 50)
    with CaptureQueriesContext(connection) as large:
        assert len(api("get", f"/apps/{app.pk}").json()["AccessRequests"]) == 55
    assert len(large.captured_queries) == len(small.captured_queries)



# Provisioning an app, its access requests and credentials by Tyk's paths


def test_provision_approves_pending_requests_and_retries_failed_ones(api, admin, consumer):
    with_provider = factories.plan(provider=factories.provider())
    pending = factories.pending_request(consumer, plan_obj=with_provider)
    app = pending.app
    failed = factories.pending_request(consumer, plan_obj=with_provider)
    AccessRequest.objects.filter(pk=failed.pk).update(app=app)
    access.approve(failed, admin)
    AccessRequest.objects.filter(pk=failed.pk).update(provisioning="failed", provisioning_error="gateway down")
    rejected = factories.pending_request(consumer)
    AccessRequest.objects.filter(pk=rejected.pk).update(app=app)
    access.reject(rejected, admin, "No.")
    elsewhere = factories.pending_request()  # another app's: untouched
    Job.objects.all().delete()

    response = api("put", f"/apps/{app.pk}/provision")
    assert response.status_code == 200, response.content
    assert response.json() == {"status": "ok", "message": f"App #{app.pk}: approved access requests #{pending.pk}; "
                                                          f"retried provisioning of #{failed.pk}"}
    pending.refresh_from_db(), failed.refresh_from_db(), rejected.refresh_from_db(), elsewhere.refresh_from_db()
    assert (pending.status, pending.decided_by, pending.provisioning) == ("approved", admin, "pending")
    assert (failed.provisioning, failed.provisioning_error) == ("pending", "")
    assert (rejected.status, elsewhere.status) == ("rejected", "pending")
    queued = sorted(j.payload["request_id"] for j in Job.objects.filter(name="access.provision"))
    assert queued == sorted([pending.pk, failed.pk])
    assert AuditEntry.objects.get(action="approve", object_id=str(pending.pk)).actor == admin
    assert EmailLog.objects.filter(template="access_request_approved", to=consumer.email).count() == 2

    again = api("put", f"/apps/{app.pk}/provision")
    assert again.json() == {"status": "ok", "message": f"App #{app.pk}: nothing to provision"}
    assert Job.objects.filter(name="access.provision").count() == 2


def test_deleting_an_apps_access_request_by_tyks_path(api, admin):
    pending, decided = factories.pending_request(), factories.pending_request()
    access.approve(decided, admin)
    other_app = factories.pending_request().app_id
    assert api("delete", f"/apps/{other_app}/access-requests/{pending.pk}").status_code == 404
    refused = api("delete", f"/apps/{decided.app_id}/access-requests/{decided.pk}")
    assert refused.status_code == 409 and "only pending requests can be deleted" in refused.json()["errors"][0]
    assert api("delete", f"/apps/{pending.app_id}/access-requests/{pending.pk}").json() == {"status": "ok"}
    assert not AccessRequest.objects.filter(pk=pending.pk).exists()
    assert AccessRequest.objects.filter(pk=decided.pk, status="approved").exists()
    assert AuditEntry.objects.get(action="delete", object_id=str(pending.pk)).actor == admin


def test_a_credential_by_tyks_path_shown_without_its_secret_and_revoked_at_the_gateway(api, admin):
    request = factories.pending_request()
    cred = _credential(request, status=Credential.Status.ACTIVE, type=Credential.Type.OAUTH2_CLIENT)
    other = factories.pending_request()
    path = f"/apps/{request.app_id}/access-requests/{request.pk}/credentials/{cred.pk}"
    shown = api("get", path)
    assert shown.status_code == 200, shown.content
    body = shown.json()
    assert (body["ID"], body["Status"], body["SecretHint"], body["OAuthClientID"]) == \
        (cred.pk, "active", "wxyz", cred.provider_reference)
    assert body == api("get", f"/apps/{request.app_id}/credentials").json()[0]
    assert not {"Credential", "CredentialHash", "OAuthClientSecret", "Secret"} & set(body)
    for wrong in (f"/apps/{other.app_id}/access-requests/{request.pk}/credentials/{cred.pk}",
                  f"/apps/{request.app_id}/access-requests/{other.pk}/credentials/{cred.pk}",
                  f"/apps/{request.app_id}/access-requests/{request.pk}/credentials/999999"):
        for method in ("get", "delete"):
            missing = api(method, wrong)
            assert missing.status_code == 404 and missing.json()["status"] == "error", (method, wrong)
    assert not Job.objects.filter(name="access.revoke").exists()

    for _ in range(2):
        assert api("delete", path).json() == {"status": "ok"}
    cred.refresh_from_db()
    assert cred.status == "revoking" and cred.revoked_at is not None
    (job,) = Job.objects.filter(name="access.revoke")
    assert job.payload["ref"]["credential_id"] == cred.pk
    assert api("get", path).json()["Status"] == "revoking"
    assert AuditEntry.objects.filter(object_type="access.credential", object_id=str(cred.pk), actor=admin).count() == 1
