"""The test SAML identity provider (tests/idp/saml_server.py) as its own process, on a free port of 127.0.0.1.

`saml_idp` fixture: a started IdP; `.url`, `.metadata_url`; `.trust_sp(xml)` gives it the SP's metadata;
`.users({...})` its users and their attributes; `.misbehave("expired")` makes the next response wrong
(see the server's docstring); `.last()` the last response it sent; `.certificate_pem` the certificate it
signs with; `.log_text()` what the process wrote. Its keys and certificates are made here, at start, with
cryptography, in a temporary folder: none is committed. Stopped (by its own PID) when the module's tests end.
"""

import datetime
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from .fixture import _free_port

SERVER = Path(__file__).resolve().parent / "saml_server.py"


def make_key_and_certificate(folder: Path, name: str) -> tuple[Path, Path]:
    """An RSA key and a self-signed certificate for it, as PEM files (the IdP's signing pair)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(days=1))
                   .not_valid_after(now + datetime.timedelta(days=30))
                   .sign(key, hashes.SHA256()))
    key_file, cert_file = folder / f"{name}.key", folder / f"{name}.crt"
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return key_file, cert_file


class TestSamlIdP:
    __test__ = False

    def __init__(self, tmp: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.metadata_url = f"{self.url}/metadata"
        key, cert = make_key_and_certificate(tmp, "idp")
        other_key, other_cert = make_key_and_certificate(tmp, "rogue")
        self.certificate_pem = cert.read_text()
        self.log = tmp / "saml-idp.log"
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, str(SERVER), "--port", str(self.port), "--key", str(key), "--cert", str(cert),
                 "--other-key", str(other_key), "--other-cert", str(other_cert)],
                stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(self.metadata_url, timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the test SAML IdP did not start: {self.log.read_text()[-2000:]}")
            time.sleep(0.1)

    def metadata(self) -> str:
        return httpx.get(self.metadata_url, timeout=30).text

    def trust_sp(self, metadata_xml: str) -> None:
        httpx.post(f"{self.url}/_test/sp", content=metadata_xml.encode(), timeout=30).raise_for_status()

    def users(self, users: dict[str, dict[str, list[str]]]) -> None:
        httpx.post(f"{self.url}/_test/users", json=users, timeout=30).raise_for_status()

    def misbehave(self, mode: str) -> None:
        httpx.post(f"{self.url}/_test/misbehave", json={"next": mode}, timeout=30).raise_for_status()

    def last(self) -> dict[str, Any]:
        return dict(httpx.get(f"{self.url}/_test/last", timeout=30).json())

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="module")
def saml_idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestSamlIdP]:
    """One IdP per test module (it starts in seconds: pysaml2, two RSA keys); each test gives it the users
    and the SP it needs, and a misbehaviour lasts for one answer."""
    server = TestSamlIdP(tmp_path_factory.mktemp("saml-idp"))
    try:
        yield server
    finally:
        server.stop()
