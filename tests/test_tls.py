"""TLS served directly, with Tyk's TLSConfig settings: checked at start (a bad certificate stops every
command with exit status 2 naming the setting), then `forecourt serve` answers over HTTPS."""

import datetime
import ipaddress
import json
import ssl
import time
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from forecourt import configuration
from forecourt import supervisor as server
from forecourt.configuration import ConfigError

from .support import servers


def make_certificate(folder: Path, name: str = "portal", days: int = 30, key_format: str = "pkcs8",
                     password: bytes | None = None) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and 127.0.0.1, and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1()) if key_format == "ec" else rsa.generate_private_key(65537, 2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=days))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / f"{name}.crt", folder / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    private_format = serialization.PrivateFormat.PKCS8 if key_format == "pkcs8" else \
        serialization.PrivateFormat.TraditionalOpenSSL
    encryption = serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, private_format, encryption))
    return cert_path, key_path


def tls_env(cert: Path | str, key: Path | str, **extra: str) -> dict[str, str]:
    return {"PORTAL_TLS_ENABLE": "true",
            "PORTAL_TLS_CERTIFICATES": json.dumps([{"Name": "portal", "CertFile": str(cert), "KeyFile": str(key)}]),
            **extra}


# -- the settings ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("key_format", ["pkcs8", "pkcs1", "ec"])
def test_a_good_certificate_is_accepted_with_paths_made_absolute(tmp_path, key_format):
    make_certificate(tmp_path, key_format=key_format)
    config = configuration.load(environ=tls_env("portal.crt", "portal.key"), cwd=tmp_path)
    assert config["TLSConfig.Enable"] is True
    assert config["TLSConfig.Certificates"] == [{"Name": "portal", "CertFile": str(tmp_path / "portal.crt"),
                                                 "KeyFile": str(tmp_path / "portal.key")}]
    assert config["TLSConfig.MinVersion"] == 771
    assert server.tls_arguments(config) == ["--ssl-certificate", str(tmp_path / "portal.crt"),
                                            "--ssl-keyfile", str(tmp_path / "portal.key"),
                                            "--ssl-protocol-min", "tls1.2"]
    assert config.warnings == [] and config.notices == []


def test_tyk_portal_conf_tls_section_is_read(tmp_path):
    make_certificate(tmp_path)
    (tmp_path / "portal.conf").write_text(json.dumps({"TLSConfig": {
        "Enable": True, "InsecureSkipVerify": True, "MinVersion": "772", "MaxVersion": "772",
        "CipherSuites": ["TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"],
        "Certificates": [{"Name": "localhost", "CertFile": "portal.crt", "KeyFile": "portal.key"}]}}))
    config = configuration.load(environ={}, cwd=tmp_path)
    assert server.tls_arguments(config)[-2:] == ["--ssl-protocol-min", "tls1.3"]
    assert config["TLSConfig.CipherSuites"] == ["TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"]
    # Tyk's settings that Forecourt cannot honour are accepted and said to have no effect.
    assert sorted(n.split(" ", 1)[0] for n in config.notices) == [
        "TLSConfig.CipherSuites", "TLSConfig.InsecureSkipVerify", "TLSConfig.MaxVersion"]


def test_tls_1_0_is_raised_to_1_2_and_said_so(tmp_path):
    make_certificate(tmp_path)
    config = configuration.load(environ=tls_env("portal.crt", "portal.key", PORTAL_TLS_MIN_VERSION="769"),
                                cwd=tmp_path)
    assert server.tls_arguments(config)[-1] == "tls1.2"
    assert any("TLS 1.0 or 1.1" in n for n in config.notices)


def test_without_tls_nothing_is_read_and_granian_gets_no_tls_options(tmp_path):
    config = configuration.load(environ={"PORTAL_TLS_CERTIFICATES": json.dumps(
        [{"Name": "x", "CertFile": "missing.crt", "KeyFile": "missing.key"}])}, cwd=tmp_path)
    assert server.tls_arguments(config) == [] and server.scheme(config) == "http"


def bad(tmp_path, env, setting="PORTAL_TLS_CERTIFICATES") -> str:
    with pytest.raises(ConfigError) as error:
        configuration.load(environ=env, cwd=tmp_path)
    assert error.value.setting == setting, error.value
    return error.value.problem


def test_bad_certificates_stop_with_the_settings_name(tmp_path):
    cert, key = make_certificate(tmp_path)
    other_cert, other_key = make_certificate(tmp_path, name="other")
    locked_cert, locked_key = make_certificate(tmp_path, name="locked", password=b"secret")
    (tmp_path / "junk.pem").write_text("not a certificate")
    assert "TLS needs a certificate" in bad(tmp_path, {"PORTAL_TLS_ENABLE": "1"}, setting="PORTAL_TLS_ENABLE")
    assert "cannot be read" in bad(tmp_path, tls_env("missing.crt", key))
    assert "cannot be read" in bad(tmp_path, tls_env(cert, "missing.key"))
    assert "is not a PEM certificate" in bad(tmp_path, tls_env("junk.pem", key))
    assert "is not a PEM private key" in bad(tmp_path, tls_env(cert, "junk.pem"))
    assert "is not the key of the certificate" in bad(tmp_path, tls_env(cert, other_key))
    assert "is encrypted" in bad(tmp_path, tls_env(locked_cert, locked_key))
    two = json.dumps([{"Name": n, "CertFile": str(c), "KeyFile": str(k)}
                      for n, c, k in (("a", cert, key), ("b", other_cert, other_key))])
    assert "Forecourt serves one" in bad(tmp_path, {"PORTAL_TLS_ENABLE": "1", "PORTAL_TLS_CERTIFICATES": two})
    assert "JSON list" in bad(tmp_path, {"PORTAL_TLS_CERTIFICATES": "portal.crt"})
    assert "unknown field 'Cert'" in bad(tmp_path, {"PORTAL_TLS_CERTIFICATES": '[{"Cert": "a"}]'})
    assert "needs KeyFile" in bad(tmp_path, {"PORTAL_TLS_CERTIFICATES": '[{"CertFile": "a"}]'})
    # A problem in portal.conf is named by its key there.
    (tmp_path / "portal.conf").write_text(json.dumps({"TLSConfig": {"Enable": True, "Certificates": []}}))
    assert "TLS needs a certificate" in bad(tmp_path, {}, setting="TLSConfig.Enable")
    (tmp_path / "portal.conf").unlink()
    assert "771 (1.2)" in bad(tmp_path, {"PORTAL_TLS_MIN_VERSION": "1.2"}, setting="PORTAL_TLS_MIN_VERSION")
    assert "a year" in bad(tmp_path, {"PORTAL_HSTS_PRELOAD": "true", "PORTAL_HSTS_MAX_AGE": "600"},
                           setting="PORTAL_HSTS_PRELOAD")


def test_an_expired_certificate_is_a_warning(tmp_path):
    make_certificate(tmp_path, days=-1)
    config = configuration.load(environ=tls_env("portal.crt", "portal.key"), cwd=tmp_path)
    assert len(config.warnings) == 1 and "expired" in config.warnings[0]


def test_the_cli_exits_2_naming_the_setting(tmp_path):
    env = servers.child_env({}, tmp_path, **tls_env(tmp_path / "missing.crt", tmp_path / "missing.key"))
    done = servers.run(["config", "show"], env, tmp_path)
    assert done.returncode == 2
    assert "PORTAL_TLS_CERTIFICATES" in done.stderr and "missing.crt cannot be read" in done.stderr


# -- forecourt serve over HTTPS ----------------------------------------------------------------------------

def wait_for_https(client: httpx.Client, url: str, status: int, proc, log, timeout: float = 60) -> httpx.Response:
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited with {proc.returncode}:\n{log()}")
        try:
            response = client.get(url)
            if response.status_code == status:
                return response
            last = response.status_code
        except httpx.HTTPError as exc:
            last = exc
        time.sleep(0.1)
    raise AssertionError(f"{url} did not answer {status} within {timeout}s (last: {last}):\n{log()}")


@pytest.mark.one_engine
@pytest.mark.server
def test_serve_answers_over_tls_with_secure_cookies_and_hsts(migrated_env, start_server, tmp_path):
    cert, key = make_certificate(tmp_path)
    running = start_server({**migrated_env, **tls_env(cert, key)})
    base = f"https://127.0.0.1:{running.port}"
    context = ssl.create_default_context(cafile=str(cert))
    with httpx.Client(verify=context, timeout=servers.HTTP_TIMEOUT) as client:
        assert wait_for_https(client, f"{base}/live", 200, running.proc, running.log).json() == {"status": "ok"}
        wait_for_https(client, f"{base}/ready", 200, running.proc, running.log)
        page = client.get(f"{base}/portal-admin/sign-in/")
        assert page.status_code == 200 and 'name="password"' in page.text
        assert page.headers["Strict-Transport-Security"] == "max-age=31536000"
        assert "default-src 'self'" in page.headers["Content-Security-Policy"]
        assert "; secure" in page.headers["Set-Cookie"].lower()
        home = client.get(f"{base}/")
        assert home.status_code == 200 and "frame-ancestors 'none'" in home.headers["Content-Security-Policy"]
    # Plain HTTP is not served on the port, and a client that does not trust the certificate is refused.
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"http://127.0.0.1:{running.port}/live", timeout=5)
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{base}/live", timeout=5)
    # `forecourt verify` finds the portal at https on its own (the certificate names no loopback address).
    verified = servers.run(["verify", "--json"], {**migrated_env, **tls_env(cert, key),
                                                  "PORTAL_HOSTPORT": str(running.port)}, tmp_path)
    checks = {c["name"]: c for c in json.loads(verified.stdout)["checks"]}
    assert checks["admin-portal"]["status"] == "PASS", (checks["admin-portal"], verified.stderr)
    assert running.stop() == 0
    assert f"serving on https://127.0.0.1:{running.port}" in running.log()
