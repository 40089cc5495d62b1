"""A webhook's headers as Tyk's Admin API has them (/webhooks/{id}/headers): rows with IDs that stay,
written by the header operations, by a webhook's PUT and by the Admin Portal's form, and sent on
delivery exactly as configured."""

import importlib
import json
import logging

import pytest
from django.apps import apps as django_apps
from django.db import migrations

from forecourt.audit.models import AuditEntry
from forecourt.webhooks import events
from forecourt.webhooks import headers as header_rows
from forecourt.webhooks.models import Webhook, WebhookHeader

from .conftest import PASSWORD
from .test_webhooks import Receiver, run_job

pytestmark = pytest.mark.django_db

SECRET_VALUE = "Bearer very-secret-token"


@pytest.fixture
def receiver(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    server = Receiver()
    yield server
    server.stop()


def ok(response, status=200):
    assert response.status_code == status, response.content
    return response.json()


def new_hook(api, url, headers=None):
    body = {"Name": "Ops", "URL": url, "Events": ["AccessRequestCreated"]}
    if headers is not None:
        body["Headers"] = headers
    return ok(api("post", "/webhooks", body), 201)


def test_header_operations_keep_ids_and_deliveries_send_exactly_the_headers(api, receiver, caplog):
    caplog.set_level(logging.DEBUG)
    hook = new_hook(api, receiver.url, [{"Name": "X-Team", "Value": "ops"}])
    base = f"/webhooks/{hook['ID']}/headers"
    [team] = ok(api("get", base))
    assert team == hook["Headers"][0] and isinstance(team["ID"], str) and team["Name"] == "X-Team"

    auth = ok(api("post", base, {"Name": "Authorization", "Value": SECRET_VALUE}), 201)
    # Tyk v1.14's WebhookHeader-show: the header's own operations name its webhook (a string, as
    # its ID); the list and a webhook's Headers are WebhookHeader, without it.
    assert set(auth) == {"ID", "Name", "Value", "WebhookID"} and auth["Value"] == SECRET_VALUE
    assert auth["WebhookID"] == hook["ID"] and isinstance(auth["WebhookID"], str)
    assert ok(api("get", f"{base}/{auth['ID']}")) == auth
    assert [h["ID"] for h in ok(api("get", base))] == [team["ID"], auth["ID"]]
    listed_auth = {k: v for k, v in auth.items() if k != "WebhookID"}
    assert ok(api("get", f"/webhooks/{hook['ID']}"))["Headers"] == [team, listed_auth]

    renamed = ok(api("put", f"{base}/{team['ID']}", {"Name": "X-Squad"}))
    assert renamed == {"ID": team["ID"], "Name": "X-Squad", "Value": "ops", "WebhookID": hook["ID"]}
    changed = ok(api("put", f"{base}/{team['ID']}", {"Value": "payments"}))
    assert changed == {"ID": team["ID"], "Name": "X-Squad", "Value": "payments", "WebhookID": hook["ID"]}
    assert Webhook.objects.get().headers == {"X-Squad": "payments", "Authorization": SECRET_VALUE}

    events.emit("AccessRequestCreated", {"ID": 1})
    assert run_job() is True
    sent = receiver.requests[-1][1]
    assert sent["X-Squad"] == "payments" and sent["Authorization"] == SECRET_VALUE and "X-Team" not in sent

    assert ok(api("delete", f"{base}/{auth['ID']}")) == {"status": "ok"}
    assert api("get", f"{base}/{auth['ID']}").status_code == 404
    assert api("delete", f"{base}/{auth['ID']}").status_code == 404
    events.emit("AccessRequestCreated", {"ID": 2})
    assert run_job() is True
    sent = receiver.requests[-1][1]
    assert "Authorization" not in sent and sent["X-Squad"] == "payments"

    # Every change audited, never with a header's value; no log line carries it either.
    entries = list(AuditEntry.objects.filter(object_type="webhooks.webhook").order_by("pk"))
    assert len(entries) >= 5
    assert SECRET_VALUE not in json.dumps([e.changes for e in entries])
    assert "very-secret-token" not in caplog.text


def test_another_webhooks_header_is_a_404(api, receiver):
    first = new_hook(api, receiver.url, {"X-A": "1"})
    second = ok(api("post", "/webhooks", {"Name": "Other", "URL": receiver.url, "Headers": {"X-B": "2"}}), 201)
    theirs = second["Headers"][0]["ID"]
    for method, body in (("get", None), ("put", {"Value": "stolen"}), ("delete", None)):
        response = api(method, f"/webhooks/{first['ID']}/headers/{theirs}", body)
        assert response.status_code == 404 and response.json()["status"] == "error"
    assert api("get", "/webhooks/999999/headers").status_code == 404
    assert api("post", "/webhooks/999999/headers", {"Name": "X-C", "Value": "3"}).status_code == 404
    assert WebhookHeader.objects.get(pk=int(theirs)).value == "2"


@pytest.mark.parametrize(("body", "field"), [
    ({"Name": "", "Value": "x"}, "Name"),
    ({"Value": "x"}, "Name"),
    ({"Name": "Host", "Value": "x"}, "Name"),
    ({"Name": "Content-Length", "Value": "1"}, "Name"),
    ({"Name": "X-Forecourt-Event", "Value": "x"}, "Name"),
    ({"Name": "Bad Name", "Value": "x"}, "Name"),
    ({"Name": "x-team", "Value": "x"}, "Name"),  # the webhook has X-Team already
    ({"Name": "X-Line", "Value": "a\r\nInjected: 1"}, "Value"),
])
def test_bad_header_input_is_a_422_that_changes_nothing(api, receiver, body, field):
    hook = new_hook(api, receiver.url, {"X-Team": "ops"})
    base = f"/webhooks/{hook['ID']}/headers"
    before = list(WebhookHeader.objects.values_list("pk", "name", "value"))
    refused = api("post", base, body)
    assert refused.status_code == 422, refused.content
    assert refused.json()["status"] == "error" and refused.json()["errors"][0].startswith(field)
    header = hook["Headers"][0]["ID"]
    # On PUT a Name left out keeps the name, and X-Team may be renamed x-team (it is its own header).
    if "Name" in body and body["Name"] != "x-team":
        refused = api("put", f"{base}/{header}", body)
        assert refused.status_code == 422, refused.content
    assert list(WebhookHeader.objects.values_list("pk", "name", "value")) == before
    assert Webhook.objects.get().headers == {"X-Team": "ops"}


def test_a_rename_onto_another_header_is_refused(api, receiver):
    hook = new_hook(api, receiver.url, {"X-A": "1", "X-B": "2"})
    refused = api("put", f"/webhooks/{hook['ID']}/headers/{hook['Headers'][1]['ID']}", {"Name": "x-a"})
    assert refused.status_code == 422 and "already" in refused.json()["errors"][0]


def test_a_webhooks_put_keeps_the_ids_of_headers_whose_name_stays(api, receiver):
    hook = new_hook(api, receiver.url, {"X-Team": "ops", "X-Gone": "1"})
    ids = {h["Name"]: h["ID"] for h in hook["Headers"]}
    path = f"/webhooks/{hook['ID']}"
    # The object form scripts used before 0.10 still works.
    updated = ok(api("put", path, {"Headers": {"x-team": "payments", "X-New": "2"}}))
    assert updated["Headers"][0] == {"ID": ids["X-Team"], "Name": "x-team", "Value": "payments"}
    assert updated["Headers"][1]["Name"] == "X-New" and updated["Headers"][1]["ID"] not in ids.values()
    # Tyk's list form, IDs included (read-only), as a GET answers it.
    again = ok(api("put", path, {"Headers": updated["Headers"]}))
    assert again["Headers"] == updated["Headers"]
    assert ok(api("put", path, {"Name": "Renamed"}))["Headers"] == updated["Headers"]  # left out: kept
    assert ok(api("put", path, {"Headers": []}))["Headers"] == []
    assert not WebhookHeader.objects.exists() and Webhook.objects.get().headers == {}
    refused = api("put", path, {"Headers": [{"Name": "A", "Value": "1"}, {"Name": "a", "Value": "2"}]})
    assert refused.status_code == 422 and refused.json()["errors"][0].startswith("Headers")


def test_admin_portal_form_adds_changes_and_removes_headers(client, admin, api, receiver):
    assert client.post("/portal-admin/sign-in/", {"username": admin.email, "password": PASSWORD}).status_code == 302
    hook = new_hook(api, receiver.url, {"X-Team": "ops", "X-Gone": "1"})
    ids = {h["Name"]: h["ID"] for h in hook["Headers"]}
    page = client.get(f"/portal-admin/webhooks/{hook['ID']}/")
    assert page.status_code == 200 and "X-Gone" in page.content.decode()
    form = {"name": "Ops", "url": receiver.url, "method": "POST", "timeout": 10, "events": ["AccessRequestCreated"],
            "enabled": "on", "headers": json.dumps({"X-Team": "payments", "X-Added": "yes"})}
    saved = client.post(f"/portal-admin/webhooks/{hook['ID']}/", form)
    assert saved.status_code == 302, saved.content
    rows = list(WebhookHeader.objects.order_by("pk").values_list("pk", "name", "value"))
    assert rows[0] == (int(ids["X-Team"]), "X-Team", "payments") and rows[1][1:] == ("X-Added", "yes")
    assert len(rows) == 2 and Webhook.objects.get().headers == {"X-Team": "payments", "X-Added": "yes"}
    refused = client.post(f"/portal-admin/webhooks/{hook['ID']}/", {**form, "headers": '{"Host": "x"}'})
    assert refused.status_code == 200 and "sets Host itself" in refused.content.decode()
    assert WebhookHeader.objects.count() == 2


def test_headers_an_earlier_release_wrote_are_taken_in_keeping_the_ids_of_names_that_stay(api, receiver):
    hook = new_hook(api, receiver.url, {"X-Team": "ops", "X-Gone": "1"})
    ids = {h["Name"]: h["ID"] for h in hook["Headers"]}
    # An earlier release, serving beside this one in a rolling upgrade, saves the webhook: only its JSON.
    Webhook.objects.filter(pk=int(hook["ID"])).update(headers={"X-Team": "payments", "X-Old": "2"})
    listed = ok(api("get", f"/webhooks/{hook['ID']}/headers"))
    assert listed[0] == {"ID": ids["X-Team"], "Name": "X-Team", "Value": "payments"}
    assert [h["Name"] for h in listed] == ["X-Team", "X-Old"] and WebhookHeader.objects.count() == 2
    assert ok(api("get", "/webhooks"))[0]["Headers"] == listed
    events.emit("AccessRequestCreated", {"ID": 1})
    assert run_job() is True
    sent = receiver.requests[-1][1]
    assert sent["X-Team"] == "payments" and sent["X-Old"] == "2" and "X-Gone" not in sent


def test_the_migration_moves_json_headers_into_rows_and_back_leaves_the_json_as_written():
    """Going back drops the rows only: every write keeps the JSON equal to them (so it already holds
    what was written since), and a JSON value the upgrade could not read stays as it was."""
    migration = importlib.import_module("forecourt.webhooks.migrations.0003_webhook_header_rows")
    hook = Webhook.objects.create(name="Old", url="https://hooks.example.com/",
                                  headers={"Authorization": "Bearer a", "X-Team": "ops"})
    odd = Webhook.objects.create(name="Odd", url="https://hooks.example.com/odd", headers=["not", "names"])
    migration.headers_to_rows(django_apps, None)
    # PostgreSQL's and MySQL's JSON do not keep the keys' order: the rows take the order read.
    assert sorted((h.name, h.value) for h in WebhookHeader.objects.all()) == [
        ("Authorization", "Bearer a"), ("X-Team", "ops")]
    header_rows.sync(hook, {"Authorization": "Bearer a", "X-Team": "written later"})
    assert Webhook.objects.get(pk=hook.pk).headers == {"Authorization": "Bearer a", "X-Team": "written later"}
    assert migration.Migration.operations[-1].reverse_code is migrations.RunPython.noop
    assert Webhook.objects.get(pk=odd.pk).headers == ["not", "names"]
