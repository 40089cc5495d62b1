"""The opt-in "Try it" proxy (issue 19), in-process against a real HTTP server standing in for the
gateway: off by default; for signed-in users with a credential for the product only; CSRF-checked;
only under the API's own address at the gateway, through the SSRF guard; bad requests refused
with the reason and nothing sent; redirects answered, not followed; time-limited; and the key it
relays is in no log line (forecourt.logconfig's own configuration at DEBUG, httpx's included)."""

import dataclasses
import json
import re

import pytest
from django.test import Client

from forecourt.access import try_it_relay

from . import factories
from .support import gateway_standin
from .test_key_secrecy import debug_logs
from .test_try_it_panel import credential, shop

__all__ = ["debug_logs", "shop"]
pytestmark = pytest.mark.django_db

KEY = "proxy-key-1c2d3e4f5a6b7c8d"


@pytest.fixture
def proxy_on(settings):
    settings.CONFIG = dataclasses.replace(settings.CONFIG, try_it_proxy=True)


@pytest.fixture
def gateway(shop):
    api = shop[0]
    with gateway_standin.running("/shop/", lambda seen: seen.query.get("api_key") == [KEY]) as running:
        api.product.provider.gateway_url = running.url
        api.product.provider.save()
        yield running


def url(api) -> str:
    return f"/catalogue-products/{api.product.slug}/{api.pk}/try-it"


def send(client, api, **request):
    return client.post(url(api), json.dumps({"method": "GET", "path": "pets", **request}),
                       content_type="application/json")


def test_the_proxy_relays_to_the_products_gateway_for_a_developer_with_a_credential(
        shop, gateway, proxy_on, debug_logs):
    api = shop[0]
    me = factories.consumer()
    client = Client(enforce_csrf_checks=True)
    client.force_login(me)
    credential(shop, factories.app(me))
    page = client.get(f"/catalogue-products/{api.product.slug}/{api.pk}/docs").content.decode()
    assert f'"proxy_url": "{url(api)}"' in page
    token = re.search(r'data-csrf="([^"]+)"', page).group(1)
    response = client.post(url(api), json.dumps({"method": "GET", "path": f"pets?api_key={KEY}",
                                                 "headers": {"X-Trace": "on"}}),
                           content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["status"] == 200 and json.loads(answer["body"]) == [{"id": 1, "name": "<b>Rex</b>"}]
    assert answer["headers"]["x-gateway"] == "stand-in" and answer["truncated"] is False
    seen = gateway.calls()[-1]
    assert seen.path == "/shop/pets" and seen.headers["x-trace"] == "on" and "cookie" not in seen.headers
    # Without the CSRF token: refused before anything is sent.
    before = len(gateway.requests)
    assert client.post(url(api), json.dumps({"method": "GET", "path": "pets"}),
                       content_type="application/json").status_code == 403
    assert len(gateway.requests) == before
    logs = debug_logs()
    assert "HTTP Request: GET" in logs and KEY not in logs  # httpx wrote its line, without the key


def test_who_may_use_the_proxy(shop, gateway, client, settings):
    api = shop[0]
    me = factories.consumer()
    credential(shop, factories.app(me))
    client.force_login(me)
    assert send(client, api).status_code == 404  # off by default
    settings.CONFIG = dataclasses.replace(settings.CONFIG, try_it_proxy=True)
    assert client.get(url(api)).status_code == 405
    assert send(client, api).status_code == 200
    client.force_login(factories.consumer())  # signed in, no credential for the product
    assert send(client, api).status_code == 404
    client.logout()
    assert send(client, api).status_code == 404
    assert len(gateway.calls()) == 1


@pytest.mark.parametrize(("request_", "reason"), [
    ({"path": "../admin"}, "step out"),
    ({"path": "pets/%2e%2e/%2E%2E/x"}, "step out"),
    ({"path": "pets//evil.example.com/x"}, "relative"),
    ({"path": "http://evil.example.com/"}, "relative"),
    ({"path": "pets\\..\\x"}, "backslashes"),
    ({"method": "TRACE"}, "method"),
    ({"headers": {"Host": "evil.example.com"}}, "Host header"),
    ({"headers": {"Cookie": "sessionid=x"}}, "Cookie header"),
    ({"headers": {"X-A": "one\r\nX-B: two"}}, "one line"),
    ({"headers": {"bad name": "x"}}, "plain token"),
    ({"body": "x" * (try_it_relay.MAX_BODY + 1)}, "at most"),
])
def test_bad_requests_are_refused_and_nothing_is_sent(shop, gateway, proxy_on, client, request_, reason):
    api = shop[0]
    me = factories.consumer()
    credential(shop, factories.app(me))
    client.force_login(me)
    response = send(client, api, **request_)
    assert response.status_code == 400 and reason in response.json()["error"]
    assert gateway.requests == []


def test_redirects_are_not_followed_slow_gateways_time_out_and_guarded_addresses_are_refused(
        shop, gateway, proxy_on, client, monkeypatch):
    api = shop[0]
    me = factories.consumer()
    credential(shop, factories.app(me))
    client.force_login(me)
    answer = send(client, api, path="redirect").json()
    assert answer["status"] == 302 and answer["headers"]["location"].startswith("http://169.254.169.254/")
    assert [r.path for r in gateway.requests] == ["/shop/redirect"]
    monkeypatch.setattr(try_it_relay, "TIMEOUT", 0.3)
    response = send(client, api, path="slow")
    assert response.status_code == 504 and "did not answer" in response.json()["error"]
    api.product.provider.gateway_url = "http://169.254.169.254/"
    api.product.provider.save()
    response = send(client, api)
    assert response.status_code == 400 and "refused" in response.json()["error"]
