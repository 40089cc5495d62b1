"""The SSRF guard on providers' URLs: refused addresses at save (Admin Portal and Admin API, nothing
saved) and at every connection (sync, health, pushes, provisioning, upgrade-check: nothing
contacted), loopback and private addresses allowed unless Providers.AllowPrivateTargets is false,
the checked address pinned for the connection (DNS rebinding), and redirects not followed.

Names are resolved by a stub of socket.getaddrinfo (no /etc/hosts, no DNS), and every TCP
connection is recorded (socket.create_connection): only the simulator on 127.0.0.1 is reached.
"""

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from forecourt.catalog.models import Product
from forecourt.providers import sync
from forecourt.providers.models import Provider
from forecourt.providers.registry import client_for
from forecourt.providers.tyk.client import DashboardError
from forecourt.resources.forms import ProviderForm

from . import factories
from .support.tyk import ORG_ID, SECRET, tyk_dashboard

__all__ = ["tyk_dashboard"]
# The guard decides on addresses before any connection; the rows it keeps or refuses are plain
# Provider rows that every engine stores alike (test_api_catalog and test_api_round_trip save them on each).
pytestmark = [pytest.mark.django_db, pytest.mark.one_engine]

GUARD = "refused by the SSRF guard"

# (URL, the words that say why), one or more per class of address that is always refused.
ALWAYS_REFUSED = [
    ("http://169.254.169.254/latest/meta-data/", "cloud metadata"),
    ("http://169.254.170.2/v2/credentials", "cloud metadata"),
    ("http://100.100.100.200/latest/meta-data/", "cloud metadata"),
    ("http://169.254.1.1:3000/", "link-local"),
    ("http://[fe80::1]:3000/", "link-local"),
    ("http://[fd00:ec2::254]/latest/meta-data/", "cloud metadata"),
    ("http://[::ffff:169.254.169.254]/", "cloud metadata"),  # IPv4-mapped IPv6
    ("http://[::ffff:a9fe:a9fe]/", "cloud metadata"),  # the same, in hex
    ("http://[64:ff9b::a9fe:a9fe]/", "cloud metadata"),  # NAT64
    ("http://[2002:a9fe:a9fe::1]/", "cloud metadata"),  # 6to4
    ("http://[::ffff:169.254.1.1]/", "link-local"),
    ("http://224.0.0.1/", "multicast"),
    ("http://[ff02::1]/", "multicast"),
    ("http://[::ffff:239.255.255.250]:1900/", "multicast"),
    ("http://0.0.0.0:3000/", "unspecified"),
    ("http://0.1.2.3/", "unspecified"),
    ("http://[::]:3000/", "unspecified"),
    ("http://240.0.0.1/", "reserved"),
    ("http://255.255.255.255/", "reserved"),
    ("http://[::a9fe:a9fe]/", "reserved"),  # IPv4-compatible IPv6, deprecated
    ("http://2852039166/", "cloud metadata"),  # decimal
    ("http://0251.0376.0251.0376/", "cloud metadata"),  # octal
    ("http://0xa9.0xfe.0xa9.0xfe/", "cloud metadata"),  # hex
    ("http://0xa9fea9fe/", "cloud metadata"),
    ("http://169.254.43518/", "cloud metadata"),  # two parts
    ("http://0/", "unspecified"),
    ("http://metadata.google.internal/computeMetadata/v1/", "cloud metadata"),
    ("http://METADATA.Google.Internal./", "cloud metadata"),
    ("http://metadata.goog/", "cloud metadata"),
    ("http://meta.example.test/", "cloud metadata"),  # a name resolving to 169.254.169.254 (stub)
    ("http://mixed.example.test/", "link-local"),  # one public and one link-local answer (stub)
    ("http://meta6.example.test/", "cloud metadata"),  # a name resolving to fd00:ec2::254 (stub)
]
STUB = {"meta.example.test": [["169.254.169.254"]], "mixed.example.test": [["93.184.216.34", "169.254.0.7"]],
        "meta6.example.test": [["fd00:ec2::254"]]}


@pytest.fixture
def dns(monkeypatch):
    """A resolver stub: `dns[name]` is the answers of successive lookups (the last one repeats);
    other names and IP literals are resolved as usual."""
    real = socket.getaddrinfo
    answers: dict[str, list[list[str]]] = {name: [list(a) for a in lookups] for name, lookups in STUB.items()}

    def getaddrinfo(host, port, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else str(host)
        lookups = answers.get(name.lower().rstrip("."))
        if lookups is None:
            return real(host, port, *args, **kwargs)
        addresses = lookups.pop(0) if len(lookups) > 1 else lookups[0]
        return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", (a, int(port or 0), 0, 0)) if ":" in a else
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, int(port or 0))) for a in addresses]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers


@pytest.fixture
def connections(monkeypatch):
    """Every TCP connection attempted, by the host it was asked for; only 127.0.0.1 is really connected."""
    made: list[str] = []
    real = socket.create_connection

    def create_connection(address, *args, **kwargs):
        made.append(str(address[0]))
        if address[0] != "127.0.0.1":
            raise OSError("the test allows connections to 127.0.0.1 only")
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", create_connection)
    return made


def form_data(url: str) -> dict[str, str]:
    return {"name": "Dashboard", "type": "tyk-pro", "url": url, "secret": "the-key", "org_id": ORG_ID}


def metadata(url: str) -> str:
    return json.dumps({"URL": url, "Secret": "the-key", "OrgID": ORG_ID})


# --- at save ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("url", "why"), ALWAYS_REFUSED)
def test_the_form_refuses_every_class_of_address_with_the_guards_reason(dns, url, why):
    form = ProviderForm(data=form_data(url))
    assert not form.is_valid()
    errors = " ".join(form.errors["url"])
    assert "Refused by the SSRF guard" in errors and why in errors and "never" in errors, errors


@pytest.mark.parametrize(("url", "why"), ALWAYS_REFUSED[::4] + ALWAYS_REFUSED[-5:])
def test_the_admin_portal_saves_nothing_for_a_refused_url(client, admin, dns, connections, url, why):
    client.force_login(admin)
    response = client.post("/portal-admin/providers/new/", form_data(url))
    assert response.status_code == 200
    assert why in " ".join(response.context["form"].errors["url"])
    assert Provider.objects.count() == 0 and connections == []


@pytest.mark.parametrize(("url", "why"), ALWAYS_REFUSED[1::4] + ALWAYS_REFUSED[-5:])
def test_the_admin_api_answers_422_naming_the_url_and_saves_nothing(api, dns, connections, url, why):
    response = api("post", "/providers", {"Name": "Dashboard", "Configuration": {"MetaData": metadata(url)}})
    assert response.status_code == 422, response.content
    message = response.json()["detail"] if "detail" in response.json() else response.content.decode()
    assert "Configuration.MetaData.URL" in message and "SSRF guard" in message and why in message
    assert Provider.objects.count() == 0 and connections == []

    provider = factories.provider()
    before = provider.url
    response = api("put", f"/providers/{provider.pk}", {"Configuration": {"MetaData": metadata(url)}})
    assert response.status_code == 422 and "SSRF guard" in response.content.decode()
    provider.refresh_from_db()
    assert provider.url == before and connections == []


def test_loopback_and_private_addresses_are_allowed_by_default_and_refused_when_the_setting_is_false(dns, settings):
    STUB_PRIVATE = {"dash.internal.test": [["10.1.2.3"]]}
    dns.update(STUB_PRIVATE)
    urls = ["http://127.0.0.1:3000/", "http://[::1]:3000/", "http://10.1.2.3:3000/", "https://192.168.0.10/",
            "http://[::ffff:127.0.0.1]:3000/", "http://[fd12:3456::1]/", "http://dash.internal.test:3000/"]
    assert settings.PROVIDERS_ALLOW_PRIVATE_TARGETS is True  # the default
    for url in urls:
        assert ProviderForm(data=form_data(url)).is_valid(), url
    settings.PROVIDERS_ALLOW_PRIVATE_TARGETS = False
    for url in urls:
        form = ProviderForm(data=form_data(url))
        assert not form.is_valid(), url
        assert "Providers.AllowPrivateTargets" in form.errors["url"][0], form.errors
    # Public addresses stay allowed; a name that does not resolve yet is checked at each connection.
    assert ProviderForm(data=form_data("https://93.184.216.34/")).is_valid()
    assert ProviderForm(data=form_data("https://dashboard.invalid/")).is_valid()


# --- at connection ---------------------------------------------------------------------------------

def _operations():
    """Every way the portal reaches a provider: (name, call(provider) that must fail or report)."""
    from forecourt.providers.tyk import policies

    def health(provider):
        raise DashboardError(client_for(provider).health())

    def push(provider):
        policies.push(provider, factories.product(provider=provider))

    def revoke(provider):
        client_for(provider).revoke_credential({"type": "key", "reference": "k-ref", "data": {}})

    return {"sync": sync.sync, "health": health, "push": push, "revoke": revoke,
            "upgrade-check": lambda provider: client_for(provider).dangling_references()}


@pytest.mark.parametrize("operation", ["sync", "health", "push", "revoke", "upgrade-check"])
@pytest.mark.parametrize(("url", "why"), ALWAYS_REFUSED[2::3] + ALWAYS_REFUSED[-5:])
def test_a_row_with_a_refused_url_is_refused_at_every_connection_without_contacting_it(dns, connections, url, why,
                                                                                       operation):
    provider = Provider.objects.create(name="Written directly", url=url, secret="k", org_id=ORG_ID)
    with pytest.raises(DashboardError) as refused:
        _operations()[operation](provider)
    assert GUARD in str(refused.value) and why in str(refused.value)
    assert connections == []
    if operation == "sync":
        provider.refresh_from_db()
        assert provider.status == Provider.Status.DOWN and provider.last_error.startswith(GUARD)


def test_the_simulator_on_loopback_works_by_default_and_is_refused_with_the_setting_false(tyk_dashboard, connections,
                                                                                         settings):
    provider = Provider.objects.create(name="Local", url=tyk_dashboard.url, secret=SECRET, org_id=ORG_ID)
    assert ProviderForm(data={**form_data(tyk_dashboard.url), "secret": SECRET}).is_valid()
    sync.sync(provider)
    assert Product.objects.filter(provider=provider).exists() and connections and set(connections) == {"127.0.0.1"}

    settings.PROVIDERS_ALLOW_PRIVATE_TARGETS = False
    seen, made = len(tyk_dashboard.requests), len(connections)
    with pytest.raises(DashboardError, match=r"loopback.*Providers\.AllowPrivateTargets"):
        sync.sync(provider)
    assert client_for(provider).health().startswith(GUARD)
    assert len(tyk_dashboard.requests) == seen and len(connections) == made


def test_dns_rebinding_after_the_check_cannot_move_the_connection(tyk_dashboard, dns, connections):
    """Saved while the name pointed at a public address; at the first sync it answers the simulator
    (127.0.0.1) once, then the metadata address: the sync connects to what it checked only, and the
    next sync, which sees the metadata address, is refused."""
    port = tyk_dashboard.url.rsplit(":", 1)[1]
    url = f"http://dashboard.example.test:{port}"
    dns["dashboard.example.test"] = [["93.184.216.34"], ["127.0.0.1"], ["169.254.169.254"]]
    assert ProviderForm(data=form_data(url)).is_valid()  # the first answer: public
    provider = Provider.objects.create(name="Rebinding", url=url, secret=SECRET, org_id=ORG_ID)

    sync.sync(provider)  # checked once (127.0.0.1), every page and request pinned to it
    assert Product.objects.filter(provider=provider).exists()
    assert connections and set(connections) == {"127.0.0.1"}
    made, seen = len(connections), len(tyk_dashboard.requests)

    with pytest.raises(DashboardError, match=r"dashboard\.example\.test resolves to 169\.254\.169\.254, a cloud"):
        sync.sync(provider)
    assert len(connections) == made and len(tyk_dashboard.requests) == seen


def test_requests_carry_the_name_as_host_while_connecting_to_the_checked_address(tyk_dashboard, dns, connections):
    port = tyk_dashboard.url.rsplit(":", 1)[1]
    dns["dash.example.test"] = [["127.0.0.1"], ["169.254.169.254"]]
    provider = Provider.objects.create(name="Pinned", url=f"http://dash.example.test:{port}", secret=SECRET)
    assert client_for(provider).health() == ""
    assert connections == ["127.0.0.1"]
    assert tyk_dashboard.requests[-1].headers["host"] == f"dash.example.test:{port}"


# --- redirects -------------------------------------------------------------------------------------

@pytest.fixture
def redirector():
    """An HTTP server on 127.0.0.1 answering every request with a redirect to the metadata address
    (and a JSON body, which must not be taken for the Dashboard's answer)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b'{"apis": [], "Data": [], "pages": 1}'
            self.send_response(302)
            self.send_header("Location", f"http://169.254.169.254/latest/meta-data{self.path}")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_redirect_is_reported_not_followed_nor_read_as_an_answer(redirector, connections):
    provider = factories.provider()
    Provider.objects.filter(pk=provider.pk).update(url=redirector)
    provider.refresh_from_db()
    with pytest.raises(DashboardError, match=r"answered 302, a redirect to http://169\.254\.169\.254.*not followed"):
        sync.sync(provider)
    provider.refresh_from_db()
    assert provider.status == Provider.Status.DOWN and "redirect" in provider.last_error
    assert "/latest/meta-data" not in provider.last_error  # only the origin: the path may repeat a key
    assert set(connections) == {"127.0.0.1"}


def test_even_a_client_that_follows_redirects_is_stopped_at_a_refused_address(redirector, connections):
    from forecourt.providers.tyk.client import GuardedTransport

    with httpx.Client(transport=GuardedTransport(), follow_redirects=True) as client, \
            pytest.raises(DashboardError, match=GUARD):
        client.get(f"{redirector}/api/apis")
    assert connections == ["127.0.0.1"]
