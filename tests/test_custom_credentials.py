"""Custom credentials (Tyk's `/apps/{app_id}/custom_credentials`): an admin adds a credential made
outside the portal to an app; the app's owner is shown its key and secret once, in the Live Portal.

Checked here: the five operations and their shapes; another app's credential is a 404; bad input
is a 422 that changes nothing; every change is audited without the values; the values are in no
API answer, no page but the owner's one reveal, no log line (every logger at DEBUG, SQL included)
and no database column as plain text, and are gone from the database after the reveal.
"""

import pytest
from django.test import Client

from forecourt.access.models import App, CustomCredential
from forecourt.audit.models import AuditEntry

from . import factories
from .test_key_secrecy import database_dump, debug_logs

__all__ = ["debug_logs"]

pytestmark = pytest.mark.django_db

KEY = "custom-key-Zq81mWv3Lp0s9TeY"
SECRET = "custom-secret-Hk27uB5nXc4rQ0aJ"


def owned_app(**fields) -> App:
    return factories.app(factories.consumer(), **fields)


def body(**changes):
    plan, product = factories.plan(), factories.product()
    return {"Alias": "Legacy gateway", "Type": "CREDENTIAL_TYPE_CUSTOM", "PlanID": plan.pk,
            "ProductIDs": [product.pk], "AuthenticationMethod": "basic", "AuthTokenType": "AUTH_TOKEN_TYPE_CUSTOM",
            "KeyID": "legacy-42", "CredentialKey": KEY, "CredentialSecret": SECRET, **changes}


def test_the_five_operations_answer_tyks_shape_and_never_the_values(api):
    app = owned_app()
    base = f"/apps/{app.pk}/custom_credentials"
    sent = body()
    created = api("post", base, sent)
    assert created.status_code == 201, created.content
    one = created.json()
    assert {k: one[k] for k in ("Alias", "Type", "AuthenticationMethod", "AuthTokenType", "KeyID", "ProductIDs")} \
        == {k: sent[k] for k in ("Alias", "Type", "AuthenticationMethod", "AuthTokenType", "KeyID", "ProductIDs")}
    assert one["PlanID"] == str(sent["PlanID"]) and one["AppID"] == app.pk
    assert one["KeyHint"] == KEY[-4:] and one["SecretHint"] == SECRET[-4:] and one["ShownAt"] is None
    assert "CredentialKey" not in one and "CredentialSecret" not in one

    path = f"{base}/{one['ID']}"
    listed = api("get", base)
    assert listed.status_code == 200 and [c["ID"] for c in listed.json()] == [one["ID"]]
    assert api("get", base, page=2).json() == []
    assert api("get", path).json() == one
    renamed = api("put", path, {"Alias": "Old gateway"})
    assert renamed.status_code == 200 and renamed.json()["Alias"] == "Old gateway"
    assert renamed.json()["KeyID"] == "legacy-42"
    for response in (created, listed, renamed, api("get", path)):
        assert KEY not in response.content.decode() and SECRET not in response.content.decode()

    deleted = api("delete", path)  # Tyk v1.14: StatusWithMessage
    assert deleted.status_code == 200 and deleted.json()["status"] == "ok"
    assert set(deleted.json()) == {"status", "message"} and "Old gateway" in deleted.json()["message"]
    assert api("get", path).status_code == 404
    assert api("delete", path).status_code == 404

    entries = list(AuditEntry.objects.filter(object_type="access.customcredential").order_by("pk"))
    assert [e.action for e in entries] == ["create", "update", "delete"]
    assert entries[1].changes == {"alias": ["Legacy gateway", "Old gateway"]}
    for entry in entries:
        assert KEY not in f"{entry.changes} {entry.note}" and SECRET not in f"{entry.changes} {entry.note}"


@pytest.mark.parametrize(("sent", "stored"), [
    ("AUTH_TOKEN_TYPE_CUSTOM", "AUTH_TOKEN_TYPE_CUSTOM"),
    ("AUTH_TOKEN_STANDARD", "AUTH_TOKEN_STANDARD"),
    ("AUTH_TOKEN_CUSTOM", "AUTH_TOKEN_TYPE_CUSTOM"),  # Forecourt's first name for it: still read
    (None, "AUTH_TOKEN_TYPE_CUSTOM"),
])
def test_auth_token_types_are_tyk_v1_14s_names(api, sent, stored):
    app = owned_app()
    created = api("post", f"/apps/{app.pk}/custom_credentials", body(AuthTokenType=sent))
    assert created.status_code == 201, created.content
    assert created.json()["AuthTokenType"] == stored
    assert CustomCredential.objects.get().auth_token_type == stored


def test_another_apps_custom_credential_is_a_404(api):
    mine, theirs = owned_app(), owned_app()
    custom = api("post", f"/apps/{theirs.pk}/custom_credentials", body()).json()
    wrong = f"/apps/{mine.pk}/custom_credentials/{custom['ID']}"
    assert api("get", wrong).status_code == 404
    assert api("put", wrong, {"Alias": "taken"}).status_code == 404
    assert api("delete", wrong).status_code == 404
    assert api("get", f"/apps/{mine.pk}/custom_credentials").json() == []
    assert api("post", "/apps/999999/custom_credentials", body()).status_code == 404
    assert CustomCredential.objects.get(pk=custom["ID"]).alias == "Legacy gateway"
    missing = api("get", wrong)
    assert missing.json()["status"] == "error"


@pytest.mark.parametrize(("changes", "named"), [
    ({"Alias": ""}, "Alias"),
    ({"Alias": "x" * 256}, "Alias"),
    ({"Type": "CREDENTIAL_TYPE_TYK_MANAGED"}, "Type"),
    ({"Type": "nonsense"}, "Type"),
    ({"AuthTokenType": "nonsense"}, "AuthTokenType"),
    ({"PlanID": 999999}, "PlanID"),
    ({"ProductIDs": [999999]}, "ProductIDs"),
    ({"ProviderID": 999999}, "ProviderID"),
    ({"KeyID": "", "CredentialKey": "", "CredentialSecret": ""}, "CredentialKey"),
    ({"CredentialKey": "k" * 5000}, "CredentialKey"),
])
def test_bad_input_is_a_422_that_changes_nothing(api, changes, named):
    app = owned_app()
    audited = AuditEntry.objects.count()
    response = api("post", f"/apps/{app.pk}/custom_credentials", body(**changes))
    assert response.status_code == 422, response.content
    answer = response.json()
    assert answer["status"] == "error" and any(e.startswith(f"{named}:") for e in answer["errors"]), answer
    assert KEY not in response.content.decode() and SECRET not in response.content.decode()
    assert not CustomCredential.objects.exists() and AuditEntry.objects.count() == audited


def test_a_bad_rename_or_unknown_field_is_a_422(api):
    app = owned_app()
    path = f"/apps/{app.pk}/custom_credentials/{api('post', f'/apps/{app.pk}/custom_credentials', body()).json()['ID']}"
    assert api("put", path, {"Alias": "  "}).status_code == 422
    assert api("post", f"/apps/{app.pk}/custom_credentials", body(Colour="red")).status_code == 422
    assert api("get", path).json()["Alias"] == "Legacy gateway"


def test_the_owner_is_shown_the_values_once_in_the_live_portal_and_nobody_else(api, admin, debug_logs):
    owner = factories.consumer()
    app = factories.app(owner, visibility=App.Visibility.ORGANISATION)
    colleague = factories.consumer(owner.organisation)
    created = api("post", f"/apps/{app.pk}/custom_credentials", body()).json()
    assert KEY not in database_dump() and SECRET not in database_dump()  # encrypted until shown

    mine, theirs = Client(), Client()
    mine.force_login(owner)
    theirs.force_login(colleague)
    reveal = f"/apps/{app.pk}/custom-credentials/{created['ID']}/reveal"
    page = mine.get(f"/apps/{app.pk}").content.decode()
    assert "Legacy gateway" in page and f"…{KEY[-4:]}" in page and reveal in page
    assert KEY not in page and SECRET not in page
    other = theirs.get(f"/apps/{app.pk}").content.decode()
    assert "Legacy gateway" in other and reveal not in other
    assert theirs.post(reveal).status_code == 404
    assert mine.get(reveal).status_code == 302  # only a POST spends it

    shown = mine.post(reveal)
    assert shown.status_code == 200 and "no-store" in shown["Cache-Control"]
    assert KEY in shown.content.decode() and SECRET in shown.content.decode()
    again = mine.post(reveal)
    assert again.status_code == 302 and KEY not in mine.get(f"/apps/{app.pk}").content.decode()

    stored = CustomCredential.objects.get(pk=created["ID"])
    assert stored.credential_key == "" and stored.credential_secret == "" and stored.secret_shown_at is not None
    assert KEY not in database_dump() and SECRET not in database_dump()
    answer = api("get", f"/apps/{app.pk}/custom_credentials/{created['ID']}").json()
    assert answer["ShownAt"] is not None and answer["KeyHint"] == KEY[-4:]
    admin_portal = Client()
    admin_portal.force_login(admin)
    for path in (f"/portal-admin/apps/{app.pk}/", "/portal-admin/audit-log/"):
        assert KEY not in admin_portal.get(path).content.decode()
    logs = debug_logs()
    assert logs and KEY not in logs and SECRET not in logs


def test_deleting_the_app_deletes_its_custom_credentials(api):
    app = owned_app()
    api("post", f"/apps/{app.pk}/custom_credentials", body())
    assert api("delete", f"/apps/{app.pk}").status_code == 200
    assert not CustomCredential.objects.exists()


def test_admins_add_rename_and_remove_them_from_the_apps_page_in_the_admin_portal(client, admin, api):
    from .test_adminportal import sign_in

    app = owned_app()
    sign_in(client, admin.email)
    page = client.get(f"/portal-admin/apps/{app.pk}/").content.decode()
    assert "Custom credentials" in page and f"/portal-admin/custom-credentials/new/?app={app.pk}" in page

    refused = client.post("/portal-admin/custom-credentials/new/", {"app": app.pk, "alias": "Nothing",
                                                                    "type": "CREDENTIAL_TYPE_CUSTOM",
                                                                    "auth_token_type": "AUTH_TOKEN_TYPE_CUSTOM"})
    assert refused.status_code in (200, 400) and "give at least one of" in refused.content.decode()
    assert not CustomCredential.objects.exists()

    added = client.post("/portal-admin/custom-credentials/new/", {
        "app": app.pk, "alias": "Legacy gateway", "type": "CREDENTIAL_TYPE_CUSTOM", "key_id": "legacy-42",
        "auth_token_type": "AUTH_TOKEN_TYPE_CUSTOM", "credential_key": KEY, "credential_secret": SECRET}, follow=True)
    assert added.status_code == 200 and KEY not in added.content.decode()
    custom = CustomCredential.objects.get()
    assert (custom.credential_key, custom.credential_secret, custom.key_hint) == (KEY, SECRET, KEY[-4:])
    page = client.get(f"/portal-admin/apps/{app.pk}/").content.decode()
    assert "Legacy gateway" in page and KEY not in page and SECRET not in page
    edit = client.get(f"/portal-admin/custom-credentials/{custom.pk}/").content.decode()
    assert KEY not in edit and SECRET not in edit

    client.post(f"/portal-admin/custom-credentials/{custom.pk}/", {"alias": "Old gateway"})
    custom.refresh_from_db()
    assert custom.alias == "Old gateway" and custom.credential_key == KEY and custom.key_id == "legacy-42"
    assert api("get", f"/apps/{app.pk}/custom_credentials").json()[0]["Alias"] == "Old gateway"

    client.post(f"/portal-admin/custom-credentials/{custom.pk}/delete/")
    assert not CustomCredential.objects.exists()
    entries = AuditEntry.objects.filter(object_type="access.customcredential").order_by("pk")
    assert [e.action for e in entries] == ["create", "update", "delete"]
    assert all(KEY not in str(e.changes) and SECRET not in str(e.changes) for e in entries)
