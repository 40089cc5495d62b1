"""Concurrent sign-ups over HTTP against a running Forecourt (issue 15, "writes that do not block").

`run(base_url, n, concurrency)` signs `n` new consumers up through the Live Portal's form, at most
`concurrency` at a time, and returns the errors and the latencies of the sign-up POSTs. Each
client first opens the form, as a browser does, for its CSRF cookie and token; then all clients
of a wave post together. Standard library only (threads and http.client), so the benchmark and
the server tests use it as is.

The sign-up throttle allows 10 sign-ups an hour per client address; each simulated client
therefore sends its own X-Forwarded-For, which the portal believes only when it is started with
`PORTAL_TRUSTED_PROXIES=127.0.0.1` (as `--serve` does). Without that, all but 10 get 429, and
they count as errors.

    python benchmarks/signups.py --base-url http://127.0.0.1:3001 -n 200 -c 200
    python benchmarks/signups.py --serve -n 200 -c 200       # a throw-away SQLite portal
    python benchmarks/signups.py --serve --dialect postgres \\
        --connection-string postgres://postgres@127.0.0.1:5432/empty_db -n 200 -c 200
"""

import argparse
import contextlib
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SIGN_UP_PATH = "/auth/password/register"
PASSWORD = "Benchmark-signup-42!"  # noqa: S105 - the throw-away accounts' password
TIMEOUT_S = 600.0  # a loaded two-core machine takes minutes for 200 hashes; a timeout is an error
_TOKEN = re.compile(r'name="csrfmiddlewaretoken"\s+value="([^"]+)"|value="([^"]+)"\s+name="csrfmiddlewaretoken"')


@dataclass
class Result:
    n: int
    concurrency: int
    errors: int = 0
    latencies: list[float] = field(default_factory=list)  # seconds, of the successful POSTs
    statuses: Counter[str] = field(default_factory=Counter)  # "302", "503", "OSError"...
    wall: float = 0.0

    @property
    def p50(self) -> float:
        return _percentile(self.latencies, 50)

    @property
    def p99(self) -> float:
        return _percentile(self.latencies, 99)

    def summary(self) -> dict[str, Any]:
        return {"n": self.n, "concurrency": self.concurrency, "errors": self.errors,
                "p50_s": round(self.p50, 3), "p99_s": round(self.p99, 3),
                "max_s": round(max(self.latencies, default=0.0), 3), "wall_s": round(self.wall, 2),
                "statuses": dict(self.statuses)}


def _percentile(values: list[float], pct: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


class _Client:
    """One browser: its cookies, its address (X-Forwarded-For) and its own connection."""

    def __init__(self, base_url: str, number: int) -> None:
        parts = urllib.parse.urlsplit(base_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.https = parts.scheme == "https"
        self.address = f"10.{(number >> 16) & 255}.{(number >> 8) & 255}.{number & 255}"
        self.cookies: dict[str, str] = {}
        self.token = ""

    def _request(self, method: str, path: str, body: str | None = None) -> tuple[int, str]:
        kind = http.client.HTTPSConnection if self.https else http.client.HTTPConnection
        connection = kind(self.host, self.port, timeout=TIMEOUT_S)
        headers = {"X-Forwarded-For": self.address, "User-Agent": "forecourt-signup-benchmark"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name.strip()] = rest.split(";", 1)[0]
            return response.status, text
        finally:
            connection.close()

    def open_form(self) -> None:
        status, text = self._request("GET", SIGN_UP_PATH)
        if status != 200:
            raise RuntimeError(f"the sign-up form answered {status}")
        match = _TOKEN.search(text)
        self.token = (match.group(1) or match.group(2)) if match else self.cookies.get("csrftoken", "")
        if not self.token:
            raise RuntimeError("the sign-up form has no CSRF token")

    def sign_up(self, email: str) -> int:
        body = urllib.parse.urlencode({
            "csrfmiddlewaretoken": self.token, "email": email, "first_name": "Bench", "last_name": "Mark",
            "password": PASSWORD, "password_again": PASSWORD, "invite_code": ""})
        status, _ = self._request("POST", SIGN_UP_PATH, body)
        return status


def run(base_url: str, n: int, concurrency: int) -> Result:
    """Sign `n` consumers up, `concurrency` at a time; a sign-up succeeds when it answers 302."""
    result = Result(n=n, concurrency=concurrency)
    run_id = uuid.uuid4().hex[:8]
    lock = threading.Lock()
    started = time.monotonic()
    for first in range(0, n, concurrency):
        wave = list(range(first, min(n, first + concurrency)))
        barrier = threading.Barrier(len(wave))

        def one(number: int, barrier: threading.Barrier = barrier) -> None:
            client = _Client(base_url, number + 1)
            status = "not sent"
            elapsed = 0.0
            try:
                client.open_form()
            except Exception as exc:  # every failure is counted, whatever it is
                status = f"form: {type(exc).__name__}: {exc}"[:120]
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(TIMEOUT_S)  # every client of the wave posts at once
            if client.token:
                begun = time.monotonic()
                try:
                    status = str(client.sign_up(f"bench-{run_id}-{number}@example.com"))
                except Exception as exc:
                    status = type(exc).__name__
                elapsed = time.monotonic() - begun
            with lock:
                result.statuses[status] += 1
                if status == "302":
                    result.latencies.append(elapsed)
                else:
                    result.errors += 1

        threads = [threading.Thread(target=one, args=(number,), daemon=True) for number in wave]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(TIMEOUT_S * 3)
    result.wall = time.monotonic() - started
    return result


# --- standalone: optionally start a throw-away portal -----------------------------------------

def _serve(dialect: str, connection_string: str, workers: int, data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "TYK_PORTAL_"))}
    env.update({"PORTAL_DATADIR": str(data_dir), "PORTAL_DATABASE_DIALECT": dialect,
                "PORTAL_DATABASE_CONNECTIONSTRING": connection_string or str(data_dir / "portal.db"),
                "PORTAL_HOSTPORT": str(port), "PORTAL_LISTENADDRESS": "127.0.0.1",
                "PORTAL_TRUSTED_PROXIES": "127.0.0.1", "PORTAL_LOG_LEVEL": "warn"})
    log = (data_dir / "serve.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "forecourt", "serve", "--workers", str(workers)], env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"forecourt serve exited:\n{(data_dir / 'serve.log').read_text(errors='replace')}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/ready")
            if connection.getresponse().status == 200:
                return proc, url
        except OSError:
            pass
        time.sleep(0.2)
    proc.terminate()
    raise SystemExit("forecourt serve did not become ready within 120 s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", default="")
    parser.add_argument("--serve", action="store_true", help="start a throw-away portal and measure it")
    parser.add_argument("--dialect", default="sqlite3", choices=["sqlite3", "postgres", "mysql"])
    parser.add_argument("--connection-string", default="", help="an EMPTY database (default: a new SQLite file)")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("-n", type=int, default=200)
    parser.add_argument("-c", "--concurrency", type=int, default=200)
    args = parser.parse_args()
    if not args.serve and not args.base_url:
        parser.error("give --base-url of a running portal, or --serve")
    proc = None
    with tempfile.TemporaryDirectory(prefix="forecourt-signups-") as tmp:
        try:
            if args.serve:
                proc, base_url = _serve(args.dialect, args.connection_string, args.workers, Path(tmp))
            else:
                base_url = args.base_url
            result = run(base_url, args.n, args.concurrency)
        finally:
            if proc is not None:
                proc.terminate()
                proc.wait(60)
    summary = {"dialect": args.dialect if args.serve else "", "workers": args.workers, **result.summary()}
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
