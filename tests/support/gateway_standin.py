"""A real HTTP server standing in for an API gateway, for the docs page's "Try it" tests.

It answers `GET <listen path>pets` with 200 and a small JSON body only when the request carries
the expected credential (a key in the configured header or query parameter, or `Authorization:
Bearer <token>` for a token it is told is valid), 401 otherwise; it answers CORS preflights for
the portal's origin (as a Tyk API with CORS enabled does) and records every request it got.
`<listen path>redirect` redirects to a cloud metadata address; `<listen path>slow` answers after 2 s.
Like Tyk's gateway for its own OAuth clients, `POST <listen path>oauth/token/` issues a token to a
client it is given (`oauth_clients`: ID -> secret) by the client credentials grant with HTTP Basic;
`gateway.issued` holds the tokens it gave.
"""

import base64
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]


@dataclass
class Gateway:
    url: str
    listen_path: str
    accepts: Callable[[Seen], bool]
    allowed_origin: str
    requests: list[Seen] = field(default_factory=list)
    oauth_clients: dict[str, str] = field(default_factory=dict)
    issued: set[str] = field(default_factory=set)

    def calls(self, method: str = "GET") -> list[Seen]:
        """The requests other than CORS preflights."""
        return [r for r in self.requests if r.method == method]


@contextmanager
def running(listen_path: str, accepts: Callable[[Seen], bool], allowed_origin: str = "*",
            oauth_clients: dict[str, str] | None = None) -> Iterator[Gateway]:
    gateway = Gateway("", listen_path, accepts, allowed_origin, oauth_clients=dict(oauth_clients or {}))

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
            pass  # quiet: the test reads `gateway.requests`

        def _record(self) -> Seen:
            parts = urlsplit(self.path)
            seen = Seen(self.command, parts.path, parse_qs(parts.query),
                        {k.lower(): v for k, v in self.headers.items()})
            gateway.requests.append(seen)
            return seen

        def _cors(self) -> None:
            self.send_header("Access-Control-Allow-Origin", gateway.allowed_origin)
            self.send_header("Access-Control-Allow-Headers", "*, Authorization")
            self.send_header("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS")
            self.send_header("Access-Control-Expose-Headers", "X-Gateway")

        def do_OPTIONS(self) -> None:
            self._record()
            self.send_response(204)
            self._cors()
            self.end_headers()

        def _answer(self) -> None:
            seen = self._record()
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            if seen.method == "POST" and seen.path == gateway.listen_path + "oauth/token/":
                self._token(seen, raw)
                return
            if seen.path == gateway.listen_path + "redirect":  # somewhere a relay must not follow
                self.send_response(302)
                self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if seen.path == gateway.listen_path + "slow":
                time.sleep(2)
            ok = seen.path == gateway.listen_path + "pets" and gateway.accepts(seen)
            body = json.dumps([{"id": 1, "name": "<b>Rex</b>"}] if ok else {"error": "unauthorised"}).encode()
            self.send_response(200 if ok else 401)
            self._cors()
            self.send_header("Content-Type", "application/json")
            self.send_header("X-Gateway", "stand-in")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _token(self, seen: Seen, raw: bytes) -> None:
            """The client credentials grant, the client authenticated by HTTP Basic (as Tyk's gateway)."""
            form = parse_qs(raw.decode(errors="replace"))
            try:
                kind, _, encoded = seen.headers.get("authorization", "").partition(" ")
                client_id, _, secret = base64.b64decode(encoded).decode().partition(":")
                client_id, secret = unquote(client_id), unquote(secret)
            except ValueError:
                kind, client_id, secret = "", "", ""
            good = (kind == "Basic" and form.get("grant_type") == ["client_credentials"]
                    and gateway.oauth_clients.get(client_id) == secret and bool(secret))
            token = secrets.token_hex(16)
            if good:
                gateway.issued.add(token)
            body = json.dumps({"access_token": token, "token_type": "bearer", "expires_in": 3600} if good
                              else {"error": "access_denied"}).encode()
            self.send_response(200 if good else 403)
            self._cors()
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _answer

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    gateway.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield gateway
    finally:
        server.shutdown()
        server.server_close()
