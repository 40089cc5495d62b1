"""forecourt.netguard, the SSRF guard that webhooks and providers share: IPv4 spellings, policies,
and the pinned transport over TLS (the certificate is verified against the name, not the address)."""

import datetime
import ipaddress
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from forecourt import netguard

NOTHING = netguard.Policy(allowed=frozenset(), advice=lambda kind: "not here")
LOOPBACK = netguard.Policy(allowed=frozenset({netguard.LOOPBACK}), advice=lambda kind: f"no {kind}")


@pytest.mark.parametrize(("host", "address"), [
    ("2852039166", "169.254.169.254"), ("0251.0376.0251.0376", "169.254.169.254"),
    ("0xa9.0xfe.0xa9.0xfe", "169.254.169.254"), ("0XA9FEA9FE", "169.254.169.254"), ("169.254.43518", "169.254.169.254"),
    ("169.16689662", "169.254.169.254"), ("127.1", "127.0.0.1"), ("0x7f.1", "127.0.0.1"),
    ("0", str(ipaddress.IPv4Address(0))),
    ("10.0.0.1.", "10.0.0.1"), ("::ffff:169.254.169.254", "::ffff:a9fe:a9fe"), ("fe80::1%eth0", "fe80::1"),
])
def test_ip_literals_are_read_in_every_spelling_resolvers_accept(host, address):
    assert netguard.literal(host) == ipaddress.ip_address(address)


@pytest.mark.parametrize("host", ["256.0.0.1", "1.2.3.256", "0x100.0.0.1", "1.2.65536", "4294967296", "08", "1.2.3.4.5",
                                  "1..2", "dashboard", "1.2.3.x", "", "0x1g"])
def test_other_hosts_are_names_not_addresses(host):
    assert netguard.literal(host) is None


def test_a_refusal_names_the_host_the_address_and_the_policys_advice(monkeypatch):
    monkeypatch.setattr(netguard, "resolve", lambda host, port: ["93.184.216.34", "10.0.0.7"])
    with pytest.raises(netguard.Refused, match=r"^dash\.test resolves to 10\.0\.0\.7, a private address; not here$"):
        netguard.check("https://dash.test/", NOTHING)
    with pytest.raises(netguard.Refused, match=r"^0x7f\.1 is 127\.0\.0\.1, a loopback address; not here$"):
        netguard.check("http://0x7f.1/", NOTHING)
    assert netguard.check("http://0x7f.1:8080/", LOOPBACK) == netguard.Target("http", "0x7f.1", 8080, "127.0.0.1")
    with pytest.raises(netguard.Refused, match=r"metadata\.google\.internal is the host name of a cloud metadata"):
        netguard.check("http://metadata.google.internal/", LOOPBACK)


def test_a_name_that_does_not_resolve_is_unresolvable_at_check_and_a_connect_error_in_the_transport(monkeypatch):
    def fail(host, port, *args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", fail)
    with pytest.raises(netguard.Unresolvable):
        netguard.check("http://nowhere.test/", LOOPBACK)
    with httpx.Client(transport=netguard.PinnedTransport(LOOPBACK)) as client, pytest.raises(httpx.ConnectError):
        client.get("http://nowhere.test/")


# --- TLS through the pinned transport --------------------------------------------------------------

def _certificate(tmp_path, name):
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


@pytest.fixture
def tls_server(tmp_path):
    """An HTTPS server on 127.0.0.1 with a certificate for dash.example.test only; answers the Host it got."""
    cert_file, key_file = _certificate(tmp_path, "dash.example.test")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = self.headers.get("Host", "").encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], ssl.create_default_context(cafile=str(cert_file))
    server.shutdown()
    server.server_close()


def test_https_connects_to_the_checked_address_and_verifies_the_certificate_against_the_name(monkeypatch, tls_server):
    port, trust = tls_server
    monkeypatch.setattr(netguard, "resolve", lambda host, port: ["127.0.0.1"])
    with httpx.Client(transport=netguard.PinnedTransport(LOOPBACK, verify=trust)) as client:
        response = client.get(f"https://dash.example.test:{port}/")
        assert response.status_code == 200 and response.text == f"dash.example.test:{port}"
        assert str(response.request.url).startswith("https://dash.example.test:")  # the caller's URL, not the pin
        with pytest.raises(httpx.ConnectError, match=r"CERTIFICATE_VERIFY_FAILED|hostname"):
            client.get(f"https://other.example.test:{port}/")  # same address, a name the certificate is not for


# --- layers ------------------------------------------------------------------------------------------

def _imports(path, src):
    """Every module `path` imports, fully qualified (relative imports resolved; `from a import b` gives a and a.b)."""
    import ast

    package = ".".join(path.relative_to(src.parent).with_suffix("").parts[:-1])
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, *([base] if base else [])])
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def test_the_guard_imports_neither_of_its_users_and_providers_do_not_import_webhooks():
    from pathlib import Path

    src = Path(netguard.__file__).parent
    assert not {name for name in _imports(src / "netguard.py", src) if name.startswith("forecourt")}
    providers = {name for path in (src / "providers").rglob("*.py") for name in _imports(path, src)}
    assert "forecourt.netguard" in providers and "forecourt.providers.registry" in providers
    assert not {name for name in providers if name.startswith("forecourt.webhooks")}
    assert "forecourt.netguard" in _imports(src / "webhooks" / "targets.py", src)
