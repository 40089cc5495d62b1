"""The test OpenID Connect provider (tests/idp/oidc_server.py) as its own process, on a free port of 127.0.0.1.

`oidc_idp` fixture: a started provider; `.url` (its issuer), `.discovery_url`; `.add_client(id, secret,
redirect_uris)`, `.set_users({...})`, `.misbehave(token="expired")` (the next token answer misbehaves
once; `.misbehave()` clears), `.last_token()`; `.log_text()` what the process wrote. Stopped (by its own
PID) when the test ends.
"""

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

SERVER = Path(__file__).resolve().parent / "oidc_server.py"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class TestOidcIdP:
    __test__ = False

    def __init__(self, tmp: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.discovery_url = f"{self.url}/.well-known/openid-configuration"
        self.log = tmp / f"oidc-idp-{self.port}.log"
        with self.log.open("wb") as out:
            self.process = subprocess.Popen([sys.executable, str(SERVER), "--port", str(self.port)],
                                            stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(self.discovery_url, timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the test OIDC IdP did not start: {self.log.read_text()[-2000:]}")
            time.sleep(0.1)

    def _post(self, path: str, body: Any) -> Any:
        response = httpx.post(f"{self.url}{path}", json=body, timeout=5)
        response.raise_for_status()
        return response.json()

    def add_client(self, client_id: str, client_secret: str, redirect_uris: list[str]) -> None:
        self._post("/_test/clients", {"client_id": client_id, "client_secret": client_secret,
                                      "redirect_uris": redirect_uris})

    def set_users(self, users: dict[str, dict[str, Any]]) -> None:
        self._post("/_test/users", users)

    def misbehave(self, **how: str) -> None:
        self._post("/_test/misbehave", how)

    def last_token(self) -> dict[str, Any]:
        return dict(httpx.get(f"{self.url}/_test/last-token", timeout=5).json())

    def sign_in(self, authorization_url: str, username: str) -> str:
        """What a browser does at the IdP: open the authorization URL, type `username`, and follow the
        IdP's redirect no further than the Location it names (the portal's callback URL, answered)."""
        with httpx.Client(timeout=5, follow_redirects=False) as browser:
            page = browser.get(authorization_url)
            if page.status_code != 200:
                raise AssertionError(f"the IdP refused the authorization request: {page.status_code} {page.text}")
            answer = browser.post(authorization_url, data={"username": username})
            if answer.status_code != 302:
                raise AssertionError(f"the IdP did not sign {username} in: {answer.status_code} {answer.text}")
            return answer.headers["location"]

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def oidc_idp(tmp_path: Path) -> Iterator[TestOidcIdP]:
    server = TestOidcIdP(tmp_path)
    try:
        yield server
    finally:
        server.stop()
