"""Dynamic Client Registration end to end: approving access to a product with an OAuth client type
registers a client at a real identity provider (tests/idp, its own process), stored as a credential whose
client_id and secret really get tokens there; the Live Portal shows the secret once; rotation registers
a new client and deletes the old; revocation and app deletion delete it at the IdP; an IdP that is down,
failing or refusing leaves a pending credential, says why, and nothing at the IdP. No secret reaches a
log line, a page, a job's error, the audit log, an event or an API answer."""

import json
import logging

import pytest
from django.db import connection
from django.test import Client

from forecourt.access import credentials
from forecourt.access import services as access
from forecourt.access.models import AccessRequest, Credential
from forecourt.audit.models import AuditEntry
from forecourt.catalog.models import Plan, Product
from forecourt.jobs.models import Job
from forecourt.oauth.models import ClientType, OAuthProvider
from forecourt.ops import crypto
from forecourt.providers import sync
from forecourt.providers.models import Provider
from forecourt.webhooks.models import Event

from . import factories
from .idp.fixture import idp
from .support.tyk import ORG_ID, SECRET, tyk_dashboard
from .test_credentials_lifecycle import retry_now, run_jobs

__all__ = ["idp", "tyk_dashboard"]
pytestmark = pytest.mark.django_db

REDIRECT = "https://billing.example.com/callback"


@pytest.fixture
def provider(tyk_dashboard):
    provider = Provider.objects.create(name="Dashboard", url=tyk_dashboard.url, secret=SECRET, org_id=ORG_ID,
                                       policy_tags=["portal"])
    sync.sync(provider)
    return provider


@pytest.fixture
def client_type(idp, provider):
    oauth_provider = OAuthProvider.objects.create(name="Test IdP", well_known_url=idp.well_known,
                                                  initial_access_token=idp.initial_token, timeout_seconds=2)
    client_type = ClientType.objects.create(provider=oauth_provider, name="Server", scopes="read write",
                                            grant_types=["client_credentials"],
                                            token_endpoint_auth_method="client_secret_post")
    client_type.products.add(Product.objects.get(provider=provider, name="Payments Product"))
    return client_type


def request_access(provider, admin, *, provision=True):
    item = Product.objects.get(provider=provider, name="Payments Product")
    item.published = True
    item.save()
    plan = Plan.objects.get(provider=provider, name="Free Plan")
    owner = factories.consumer()
    app = factories.app(owner)
    app.name, app.redirect_urls = "Billing app", REDIRECT
    app.save()
    request = access.submit_request(app, factories.catalogue([item], [plan]), plan, [item], owner)
    access.approve(request, admin)
    if provision:
        run_jobs()
        request.refresh_from_db()
    return request


def token_works(idp, credential_or_pair) -> bool:
    client_id, secret = credential_or_pair
    response = idp.token(client_id, secret, post=True)  # the client type's client_secret_post
    return response.status_code == 200 and bool(response.json().get("access_token"))


def what_the_run_wrote(caplog) -> str:
    """Every place a secret must never be: log lines, jobs' errors and payloads, requests' errors, the
    audit log, webhook events."""
    parts = [caplog.text]
    parts += [f"{j.last_error} {json.dumps(j.payload)}" for j in Job.objects.all()]
    parts += [r.provisioning_error for r in AccessRequest.objects.all()]
    parts += [json.dumps(e.changes) + e.note for e in AuditEntry.objects.all()]
    parts += [json.dumps(e.message) for e in Event.objects.all()]
    return "\n".join(parts)


def test_approval_registers_a_client_that_gets_tokens_and_the_secret_is_shown_once(
        idp, provider, client_type, admin, tyk_dashboard, caplog, api):
    caplog.set_level(logging.DEBUG)
    keys_before = set(tyk_dashboard.keys)
    request = request_access(provider, admin)
    assert request.provisioning == "done", request.provisioning_error
    credential = Credential.objects.get(access_request=request)
    assert credential.type == "dcr-client" and credential.status == "active"
    client_id, secret = credential.provider_reference, credential.secret
    registration_token = crypto.decrypt(credential.provider_data["registration_access_token"])
    assert credential.secret_hint == secret[-4:] and registration_token

    at_idp = idp.clients()[client_id]
    assert at_idp["client_name"] == "Billing app" and at_idp["redirect_uris"] == [REDIRECT]
    assert at_idp["grant_types"] == ["client_credentials"] and at_idp["scope"] == "read write"
    assert at_idp["token_endpoint_auth_method"] == "client_secret_post"
    assert token_works(idp, (client_id, secret))
    assert set(tyk_dashboard.keys) == keys_before  # the gateway made no key: the IdP issued the client
    assert Event.objects.filter(name="CredentialRegistered").count() == 1

    # The Admin API answers the client ID, never the secret.
    answer = api("get", f"/apps/{request.app_id}/access-requests/{request.pk}").content.decode()
    assert client_id in answer and secret not in answer and registration_token not in answer

    # The Live Portal: the client ID, and the secret once.
    owner = Client()
    owner.force_login(request.app.owner)
    page = owner.get(f"/apps/{request.app_id}").content.decode()
    assert client_id in page and secret not in page and "Show it now" in page
    shown = owner.post(f"/apps/{request.app_id}/credentials/{credential.pk}/reveal")
    assert shown.status_code == 200 and secret in shown.content.decode() and client_id in shown.content.decode()
    again = owner.post(f"/apps/{request.app_id}/credentials/{credential.pk}/reveal")
    assert again.status_code == 302
    assert secret not in owner.get(f"/apps/{request.app_id}").content.decode()
    credential.refresh_from_db()
    assert credential.secret == "" and token_works(idp, (client_id, secret))  # only the portal forgot it

    with connection.cursor() as cursor:  # the registration token is in the row only encrypted
        cursor.execute("SELECT provider_data, secret FROM access_credential WHERE id = %s", [credential.pk])
        row = " ".join(str(v) for v in cursor.fetchone())
    assert registration_token not in row and secret not in row
    written = what_the_run_wrote(caplog)
    for value in (secret, registration_token, idp.initial_token):
        assert value not in written


def test_rotation_registers_a_new_client_then_deletes_the_old(idp, provider, client_type, admin, caplog):
    request = request_access(provider, admin)
    old = Credential.objects.get(access_request=request)
    old_pair = (old.provider_reference, old.secret)
    new = credentials.rotate(old, admin)
    run_jobs()
    new.refresh_from_db()
    old.refresh_from_db()
    assert new.status == "active" and new.type == "dcr-client" and old.status == "revoked"
    assert new.provider_reference != old_pair[0]
    assert set(idp.clients()) == {new.provider_reference}
    assert token_works(idp, (new.provider_reference, new.secret))
    assert not token_works(idp, old_pair)
    assert old_pair[1] not in what_the_run_wrote(caplog) and new.secret not in what_the_run_wrote(caplog)


def test_revocation_and_app_deletion_delete_the_client_at_the_idp(idp, provider, client_type, admin):
    first = request_access(provider, admin)
    second = request_access(provider, admin)
    one, two = (Credential.objects.get(access_request=r) for r in (first, second))
    assert set(idp.clients()) == {one.provider_reference, two.provider_reference}

    assert credentials.revoke(one, admin)
    run_jobs()
    one.refresh_from_db()
    assert one.status == "revoked" and not token_works(idp, (one.provider_reference, one.secret))
    assert set(idp.clients()) == {two.provider_reference}

    credentials.delete_app(second.app, admin)
    run_jobs()
    assert idp.clients() == {}
    assert not token_works(idp, (two.provider_reference, two.secret))
    assert not Job.objects.exclude(status=Job.Status.DONE).exists()


@pytest.mark.parametrize(("modes", "says"), [
    ({"register": "500"}, "answered 500"),
    ({"register": "garbage"}, "not a JSON object"),
    ({"discovery": "500"}, "reading the discovery document"),
    ({"register": "slow"}, "did not answer in time"),
])
def test_a_failing_idp_leaves_a_pending_credential_that_says_why_then_recovers(
        idp, provider, client_type, admin, modes, says, caplog):
    idp.mode(**modes)
    request = request_access(provider, admin)
    assert request.provisioning == "pending" and says in request.provisioning_error
    credential = Credential.objects.get(access_request=request)
    assert credential.status == "pending" and credential.secret == ""
    assert idp.clients() == {}

    idp.mode()
    retry_now()
    run_jobs()
    request.refresh_from_db()
    credential.refresh_from_db()
    assert request.provisioning == "done" and credential.status == "active"
    assert set(idp.clients()) == {credential.provider_reference}
    assert credential.secret not in what_the_run_wrote(caplog)


def test_a_wrong_initial_token_or_an_unreachable_idp_says_why(idp, provider, client_type, admin, caplog):
    OAuthProvider.objects.update(initial_access_token="not-the-initial-access-token")
    request = request_access(provider, admin)
    assert "refused it (400: access_denied" in request.provisioning_error
    assert idp.clients() == {}
    assert "not-the-initial-access-token" not in what_the_run_wrote(caplog)

    idp.stop()
    OAuthProvider.objects.update(initial_access_token=idp.initial_token)
    retry_now()
    run_jobs()
    request.refresh_from_db()
    assert request.provisioning == "pending" and "could not be reached" in request.provisioning_error
    assert Credential.objects.get(access_request=request).status == "pending"
    assert idp.initial_token not in what_the_run_wrote(caplog)


def test_a_product_without_client_types_still_gets_a_gateway_key(idp, provider, client_type, admin, tyk_dashboard):
    client_type.products.clear()
    request = request_access(provider, admin)
    credential = Credential.objects.get(access_request=request)
    assert credential.type == "key" and credential.status == "active" and credential.secret in tyk_dashboard.keys
    assert idp.clients() == {}


def test_a_plan_change_updates_the_client_and_deactivating_the_owner_deletes_it(
        idp, provider, client_type, admin):
    request = request_access(provider, admin)
    credential = Credential.objects.get(access_request=request)
    client_type.scopes = "read"
    client_type.save()
    request.catalogue.plans.add(Plan.objects.get(provider=provider, name="Pro Plan"))
    credentials.change_plan(request, Plan.objects.get(provider=provider, name="Pro Plan"), admin)
    run_jobs()
    assert idp.clients()[credential.provider_reference]["scope"] == "read"  # RFC 7592 PUT

    assert credentials.revoke_all_of(request.app.owner, admin, "owner deactivated") == 1
    run_jobs()
    assert idp.clients() == {}
