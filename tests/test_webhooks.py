"""Webhooks: the outbox, signed delivery to a real HTTP receiver, retries, the SSRF guard, replay
and the Admin Portal pages."""

import hashlib
import hmac
import json
import socket
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import transaction
from django.utils import timezone

from forecourt.jobs import queue
from forecourt.jobs.models import Job
from forecourt.webhooks import events, headers, targets
from forecourt.webhooks.forms import WebhookForm
from forecourt.webhooks.models import Delivery, Event, Webhook

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db


class Receiver:
    """An HTTP server on 127.0.0.1 that records requests and answers `fail_first` 500s, then `status`."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        self.fail_first = 0
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append((self.command, dict(self.headers.items()), body))
                code = 500 if len(receiver.requests) <= receiver.fail_first else receiver.status
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_POST = do_PUT = _answer

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook?x=1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.stop()


@pytest.fixture
def private_ok(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True


def endpoint(url: str, events_: list[str] | None = None, **kwargs) -> Webhook:
    extra = kwargs.pop("headers", {})
    hook = Webhook.objects.create(name=kwargs.pop("name", "hook"), url=url,
                                  events=events_ if events_ is not None else ["AccessRequestCreated"], **kwargs)
    headers.sync(hook, extra)
    return hook


def run_job() -> bool | None:
    Job.objects.filter(status=Job.Status.QUEUED).update(run_at=timezone.now() - timedelta(seconds=1))
    return queue.run_next("test")


def test_signed_delivery_with_retries_after_500s(private_ok, receiver):
    hook = endpoint(receiver.url, headers={"Authorization": "Bearer abc"}, method="PUT")
    receiver.fail_first = 2
    event = events.emit("AccessRequestCreated", {"ID": 7, "App": "Weather"})
    delivery = Delivery.objects.get(event=event)
    assert run_job() is False and run_job() is False
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.PENDING and delivery.attempts == 2
    assert delivery.response_code == 500 and delivery.next_attempt_at is not None
    assert run_job() is True
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SUCCEEDED and delivery.attempts == 3
    assert delivery.response_code == 200 and delivery.error == "" and delivery.duration_ms is not None

    method, headers, body = receiver.requests[-1]
    assert method == "PUT"
    assert headers["Authorization"] == "Bearer abc" and headers["Content-Type"] == "application/json"
    assert headers["X-Forecourt-Event"] == "AccessRequestCreated"
    assert headers["X-Forecourt-Delivery"] == str(delivery.delivery_id)
    assert headers["Host"] == receiver.url.split("/")[2]
    stamp = headers["X-Forecourt-Timestamp"]
    expected = hmac.new(hook.secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Forecourt-Signature"], f"sha256={expected}")
    payload = json.loads(body)
    assert payload["Event"] == "AccessRequestCreated" and payload["Message"] == {"ID": 7, "App": "Weather"}
    assert payload["DeliveryID"] == str(delivery.delivery_id) and payload["Timestamp"].endswith("Z")


def test_retries_stop_at_the_limit(private_ok, receiver):
    endpoint(receiver.url)
    receiver.fail_first = 100
    events.emit("AccessRequestCreated", {})
    for _ in range(events.MAX_ATTEMPTS):
        assert run_job() is False
    assert run_job() is None
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.FAILED and delivery.attempts == events.MAX_ATTEMPTS
    assert Job.objects.get().status == Job.Status.FAILED


def test_4xx_fails_at_once(private_ok, receiver):
    endpoint(receiver.url)
    receiver.status = 404
    events.emit("AccessRequestCreated", {})
    assert run_job() is True
    assert run_job() is None
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.FAILED and delivery.attempts == 1 and delivery.response_code == 404
    assert len(receiver.requests) == 1


def test_network_error_is_retried(private_ok):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    endpoint(f"http://127.0.0.1:{port}/")
    events.emit("AccessRequestCreated", {})
    assert run_job() is False
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.PENDING and delivery.response_code is None and delivery.error


def test_only_enabled_subscribed_endpoints_get_deliveries():
    a = endpoint("https://a.example.com/", name="a")
    endpoint("https://b.example.com/", ["AccessRequestApproved"], name="b")
    endpoint("https://c.example.com/", name="c", enabled=False)
    event = events.emit("AccessRequestCreated", {})
    assert [d.endpoint for d in Delivery.objects.filter(event=event)] == [a]
    assert Job.objects.filter(name=events.JOB).count() == 1
    with pytest.raises(ValueError):
        events.emit("NoSuchEvent", {})


def test_emit_in_a_rolled_back_transaction_leaves_nothing():
    endpoint("https://a.example.com/")

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        events.emit("AccessRequestCreated", {"ID": 1})
        assert Delivery.objects.count() == 1
        raise Boom
    assert Event.objects.count() == 0 and Delivery.objects.count() == 0 and Job.objects.count() == 0


@pytest.mark.parametrize("url", ["http://127.0.0.1/", "http://10.0.0.1/", "http://169.254.169.254/latest/",
                                 "http://[::1]/", "http://[fd00:ec2::254]/", "http://0.0.0.0/",
                                 "http://224.0.0.1/", "http://192.168.1.1/", "http://[::ffff:127.0.0.1]/",
                                 "ftp://example.com/", "file:///etc/passwd", "http://user:pw@example.com/"])
def test_private_and_odd_urls_are_refused_at_save(url):
    form = WebhookForm(data={"name": "x", "url": url, "method": "POST", "timeout": 5})
    assert not form.is_valid() and "url" in form.errors


def test_a_name_resolving_to_loopback_is_refused_at_save_and_at_delivery(monkeypatch, settings, receiver):
    def resolve(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    url = receiver.url.replace("127.0.0.1", "hooks.example.com")
    form = WebhookForm(data={"name": "x", "url": url, "method": "POST", "timeout": 5})
    assert not form.is_valid() and "loopback" in str(form.errors["url"])

    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    assert WebhookForm(data={"name": "x", "url": url, "method": "POST", "timeout": 5}).is_valid()
    endpoint(url)  # saved while allowed; then the operator forbids private targets again
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    events.emit("AccessRequestCreated", {})
    assert run_job() is True
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.FAILED and "loopback" in delivery.error
    assert receiver.requests == []


def test_delivery_connects_to_the_checked_address(monkeypatch, private_ok, receiver):
    """The name is resolved once; the request goes to that address with the name as Host."""
    answers = iter(["127.0.0.1", "10.9.9.9"])

    def resolve(host, port, *args, **kwargs):
        address = host if host[0].isdigit() else next(answers)  # an IP literal resolves to itself
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    endpoint(receiver.url.replace("127.0.0.1", "hooks.example.com"))
    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    events.emit("AccessRequestCreated", {})
    assert run_job() is True
    assert Delivery.objects.get().status == Delivery.Status.SUCCEEDED
    assert receiver.requests[0][1]["Host"].startswith("hooks.example.com:")


def test_public_address_is_allowed():
    assert targets.forbidden("93.184.216.34") == ""
    assert targets.forbidden("2606:2800:220:1:248:1893:25c8:1946") == ""


@pytest.mark.parametrize("given", ['{"Bad Name": "x"}', '{"Host": "x"}', '{"X-Forecourt-Event": "x"}',
                                   '{"A": "line\\nbreak"}', '["not", "a dict"]', "not json", '{"A": 1}',
                                   '{"": "x"}', '{"content-length": "1"}', '[{"Name": "A"}, {"Name": "a"}]',
                                   '[{"Name": "", "Value": "x"}]', '[{"Name": "A", "Other": "x"}]'])
def test_header_validation(private_ok, given):
    form = WebhookForm(data={"name": "x", "url": "http://127.0.0.1/", "method": "POST", "timeout": 5,
                             "headers": given})
    assert not form.is_valid() and "headers" in form.errors


def test_timeout_bounds(private_ok):
    for timeout, ok in ((0, False), (1, True), (30, True), (31, False)):
        form = WebhookForm(data={"name": "x", "url": "http://127.0.0.1/", "method": "POST", "timeout": timeout})
        assert form.is_valid() is ok


def test_replay_and_test_event(private_ok, receiver):
    hook = endpoint(receiver.url)
    events.emit("AccessRequestCreated", {"ID": 3})
    assert run_job() is True
    first = Delivery.objects.get()
    again = events.replay(first)
    assert again.event_id == first.event_id and again.delivery_id != first.delivery_id
    assert run_job() is True
    again.refresh_from_db()
    assert again.status == Delivery.Status.SUCCEEDED
    bodies = [json.loads(body) for _, _, body in receiver.requests]
    assert [b["Message"] for b in bodies] == [{"ID": 3}, {"ID": 3}]
    assert bodies[0]["DeliveryID"] != bodies[1]["DeliveryID"]

    test = events.send_test(hook)
    assert run_job() is True
    test.refresh_from_db()
    assert test.status == Delivery.Status.SUCCEEDED and test.event.name == events.TEST_EVENT


def test_secret_is_encrypted_at_rest():
    hook = endpoint("https://a.example.com/")
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM webhooks_webhook WHERE id = %s", [hook.pk])
        stored = cursor.fetchone()[0]
    assert hook.secret.startswith("whsec_") and hook.secret not in stored


# --- Admin Portal -----------------------------------------------------------------------------------

@pytest.fixture
def signed_in(client, admin):
    assert client.post("/portal-admin/sign-in/", {"username": admin.email, "password": PASSWORD}).status_code == 302
    return client


def test_admin_portal_create_shows_secret_once_and_pages_render(signed_in, private_ok, receiver):
    assert signed_in.get("/portal-admin/webhooks/new/").status_code == 200
    created = signed_in.post("/portal-admin/webhooks/new/", {
        "name": "Ops", "url": receiver.url, "method": "POST", "timeout": 5, "events": ["AccessRequestCreated"],
        "enabled": "on", "headers": '{"X-Team": "ops"}'})
    assert created.status_code == 200, created.content
    hook = Webhook.objects.get(name="Ops")
    assert hook.secret in created.content.decode() and hook.headers == {"X-Team": "ops"}
    listing = signed_in.get("/portal-admin/webhooks/")
    assert listing.status_code == 200 and "Ops" in listing.content.decode()
    edit = signed_in.get(f"/portal-admin/webhooks/{hook.pk}/")
    assert edit.status_code == 200 and hook.secret not in edit.content.decode()

    assert signed_in.get(f"/portal-admin/webhooks/{hook.pk}/test/").status_code == 200
    queued = signed_in.post(f"/portal-admin/webhooks/{hook.pk}/test/")
    assert queued.status_code == 302
    delivery = Delivery.objects.get()
    detail = signed_in.get(f"/portal-admin/webhook-deliveries/{delivery.pk}/")
    assert detail.status_code == 200 and str(delivery.delivery_id) in detail.content.decode()
    for query in ("", "?status=pending", f"?webhook={hook.pk}", f"?event={events.TEST_EVENT}"):
        page = signed_in.get(f"/portal-admin/webhook-deliveries/{query}")
        assert page.status_code == 200 and str(delivery.delivery_id)[:8] in page.content.decode()
    assert signed_in.get("/portal-admin/webhook-deliveries/?status=failed").content.decode().count(
        str(delivery.delivery_id)[:8]) == 0
    replayed = signed_in.post(f"/portal-admin/webhook-deliveries/{delivery.pk}/replay/")
    assert replayed.status_code == 302 and Delivery.objects.count() == 2
    assert signed_in.get(f"/portal-admin/webhook-deliveries/{delivery.pk}/replay/").status_code == 405


def test_admin_portal_refuses_a_private_url(signed_in):
    page = signed_in.post("/portal-admin/webhooks/new/", {"name": "x", "url": "http://10.1.2.3/", "method": "POST",
                                                           "timeout": 5})
    assert page.status_code == 200 and not Webhook.objects.exists() and "private" in page.content.decode()


# --- Admin API --------------------------------------------------------------------------------------

def test_api_crud_test_event_deliveries_and_replay(api, private_ok, receiver):
    created = api("post", "/webhooks", {"Name": "Ops", "URL": receiver.url, "Events": ["AccessRequestCreated"],
                                        "Headers": {"X-Team": "ops"}, "Timeout": 5})
    assert created.status_code == 201, created.content
    body = created.json()
    hook = Webhook.objects.get(pk=int(body["ID"]))
    assert body["ID"] == str(hook.pk) and body["UpdatedAt"] is not None
    assert body["Secret"] == hook.secret and body["Method"] == "POST" and body["Enabled"] is True
    header_id = str(hook.header_rows.get().pk)
    assert body["Headers"] == [{"ID": header_id, "Name": "X-Team", "Value": "ops"}] and body["Timeout"] == 5
    got = api("get", f"/webhooks/{hook.pk}").json()
    assert "Secret" not in got and got["Events"] == ["AccessRequestCreated"]
    assert "Secret" not in api("get", "/webhooks").json()[0]

    updated = api("put", f"/webhooks/{hook.pk}", {"Method": "PUT", "Enabled": False})
    assert updated.status_code == 200, updated.content
    assert updated.json()["Method"] == "PUT" and updated.json()["Enabled"] is False
    assert updated.json()["URL"] == receiver.url
    assert updated.json()["Headers"] == [{"ID": header_id, "Name": "X-Team", "Value": "ops"}]

    test = api("post", f"/webhooks/{hook.pk}/test")
    assert test.status_code == 200 and test.json()["Event"] == events.TEST_EVENT
    assert run_job() is True
    listed = api("get", "/webhook-deliveries?status=succeeded").json()
    assert [d["DeliveryID"] for d in listed] == [test.json()["DeliveryID"]]
    assert api("get", "/webhook-deliveries?status=failed").json() == []
    assert len(api("get", f"/webhook-deliveries?webhook_id={hook.pk}&event={events.TEST_EVENT}").json()) == 1
    replayed = api("put", f"/webhook-deliveries/{listed[0]['ID']}/replay")
    assert replayed.status_code == 200 and replayed.json()["Status"] == "pending"
    assert replayed.json()["EventID"] == listed[0]["EventID"]
    assert api("put", "/webhook-deliveries/999999/replay").status_code == 404

    assert api("delete", f"/webhooks/{hook.pk}").status_code == 200
    assert not Webhook.objects.exists() and not Delivery.objects.exists()


@pytest.mark.parametrize(("body", "field"), [
    ({"Name": "x", "URL": "http://10.0.0.1/"}, "URL"),
    ({"Name": "x", "URL": "ftp://example.com/"}, "URL"),
    ({"Name": "x", "URL": "https://93.184.216.34/", "Events": ["Nope"]}, "Events"),
    ({"Name": "x", "URL": "https://93.184.216.34/", "Headers": {"Host": "y"}}, "Headers"),
    ({"URL": "https://93.184.216.34/"}, "Name"),
])
def test_api_validation_errors(api, body, field):
    response = api("post", "/webhooks", body)
    assert response.status_code == 422, response.content
    assert field in response.content.decode() and not Webhook.objects.exists()


@pytest.mark.parametrize("body", [{"Name": "x", "URL": "https://93.184.216.34/", "Timeout": 31},
                                  {"Name": "x", "URL": "https://93.184.216.34/", "Method": "GET"},
                                  {"Name": "x", "URL": "https://93.184.216.34/", "Unknown": 1}])
def test_api_schema_errors(api, body):
    response = api("post", "/webhooks", body)
    assert response.status_code in (400, 422) and not Webhook.objects.exists()


# --- wired into the services --------------------------------------------------------------------------

def test_access_requests_emit_created_approved_and_rejected(admin):
    from forecourt.access import services as access

    from . import factories

    endpoint("https://hooks.example.com/", ["AccessRequestCreated", "AccessRequestApproved",
                                            "AccessRequestRejected"])
    first = factories.pending_request()
    access.approve(first, admin)
    second = factories.pending_request()
    access.reject(second, admin, "Not this quarter")
    names = list(Event.objects.order_by("created_at", "name").values_list("name", flat=True))
    assert sorted(names) == sorted(["AccessRequestCreated", "AccessRequestApproved", "AccessRequestCreated",
                                    "AccessRequestRejected"])
    rejected = Event.objects.get(name="AccessRequestRejected").message
    assert rejected["ID"] == second.pk and rejected["Status"] == "rejected"
    assert rejected["Reason"] == "Not this quarter" and rejected["Requester"] == second.requester.email
    assert Delivery.objects.count() == 4 and Job.objects.filter(name=events.JOB).count() == 4


def test_a_failed_decision_emits_nothing(admin):
    from forecourt.access import services as access

    from . import factories

    request = factories.pending_request()
    access.approve(request, admin)
    before = Event.objects.count()
    with pytest.raises(access.NotPending):
        access.reject(request, admin, "too late")
    assert Event.objects.count() == before


# --- robustness ------------------------------------------------------------------------------------

@pytest.mark.parametrize("address", ["2002:7f00:1::1", "2002:a9fe:a9fe::1", "64:ff9b::7f00:1", "64:ff9b::a00:1",
                                     "64:ff9b::a9fe:a9fe"])
def test_ipv6_addresses_that_carry_a_private_ipv4_address_are_refused(address):
    assert targets.forbidden(address)


def test_ipv6_carrying_a_public_ipv4_address_is_allowed():
    assert targets.forbidden("64:ff9b::808:808") == "" and targets.forbidden("2002:808:808::1") == ""


def test_headers_stored_behind_the_forms_back_cannot_override_the_portals(private_ok, receiver):
    hook = endpoint(receiver.url)
    Webhook.objects.filter(pk=hook.pk).update(headers={"Host": "evil.example.com", "X-Forecourt-Signature": "x",
                                                       "X-Team": "payments"})
    events.emit("AccessRequestCreated", {"ID": 1})
    assert run_job() is True
    (_method, headers, _body) = receiver.requests[0]
    assert headers["Host"].startswith("127.0.0.1") and headers["X-Forecourt-Signature"].startswith("sha256=")
    assert headers["X-Team"] == "payments"


def test_a_secret_that_cannot_be_decrypted_fails_the_attempt_visibly(private_ok, receiver):
    from django.db import connection

    hook = endpoint(receiver.url)
    with connection.cursor() as cursor:  # as if the encryption key had changed since it was stored
        cursor.execute("UPDATE webhooks_webhook SET secret = %s WHERE id = %s", ["fc1:not-a-token", hook.pk])
    events.emit("AccessRequestCreated", {"ID": 1})
    assert run_job() is False
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.PENDING and delivery.attempts == 1
    assert "cannot be decrypted" in delivery.error and delivery.next_attempt_at is not None
    for _ in range(events.MAX_ATTEMPTS - 1):
        run_job()
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED and delivery.attempts == events.MAX_ATTEMPTS
    assert receiver.requests == []
