"""The test identity provider (tests/idp/server.py) as its own process, on a free port of 127.0.0.1.

`idp` fixture: a started server; `.url`, `.well_known`, `.initial_token`; `.mode(register="500")` makes
the IdP fail on demand (cleared by `.mode()`); `.clients()` the client IDs it holds; `.token(client_id,
secret)` asks its token endpoint for a client_credentials token (the httpx answer); `.log_text()` what
the process wrote. Stopped (by its own PID) when the test ends.
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

SERVER = Path(__file__).resolve().parent / "server.py"
INITIAL_TOKEN = "initial-access-token-for-tests-7c1f2e"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class TestIdP:
    __test__ = False

    def __init__(self, tmp: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.well_known = f"{self.url}/.well-known/openid-configuration"
        self.initial_token = INITIAL_TOKEN
        self.log = tmp / "idp.log"
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, str(SERVER), "--port", str(self.port), "--initial-token", INITIAL_TOKEN],
                stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(self.well_known, timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the test IdP did not start: {self.log.read_text()[-2000:]}")
            time.sleep(0.1)

    def mode(self, **modes: str) -> None:
        httpx.post(f"{self.url}/_test/mode", json=modes, timeout=5).raise_for_status()

    def clients(self) -> dict[str, Any]:
        return dict(httpx.get(f"{self.url}/_test/clients", timeout=5).json())

    def token(self, client_id: str, secret: str, *, post: bool = False) -> httpx.Response:
        """A client_credentials token: the client authenticated by HTTP Basic, or in the body (`post`)."""
        data = {"grant_type": "client_credentials"}
        if post:
            return httpx.post(f"{self.url}/token", data={**data, "client_id": client_id, "client_secret": secret},
                              timeout=5)
        return httpx.post(f"{self.url}/token", data=data, auth=(client_id, secret), timeout=5)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def idp(tmp_path: Path) -> Iterator[TestIdP]:
    server = TestIdP(tmp_path)
    try:
        yield server
    finally:
        server.stop()
