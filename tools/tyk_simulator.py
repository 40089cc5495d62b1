"""A stateful simulator of the parts of the Tyk Dashboard API that Forecourt uses.

The Tyk Dashboard is proprietary, so the project keeps this stand-in: a small threaded HTTP server
(standard library only) that answers like the Dashboard does, with the shapes, status codes and
messages of `contracts/tyk/dashboard-swagger.yml` and the facts in that folder's README:

- `Authorization: <secret>` (the raw key; `Bearer <secret>` is refused with 401, as any wrong key);
- `GET /api/apis` answers `{"apis": [...], "pages": N}`, `GET /api/portal/policies` answers
  `{"Data": [...], "Pages": N}`; pages hold `page_size` (10) items, `p` below 0 returns everything;
- policies carry `state`, `auth_type`, `auth_types` and `graphql_access_rights` beside the
  spec's fields, and both their `_id` (database ID) and `id` (policy ID, "" unless one was given)
  find them in `/api/portal/policies/{id}`;
- `POST /api/keys` takes a SessionState and answers `{"api_model", "key_id", "key_hash", "data"}`;
- OAuth clients live under `/api/apis/oauth/{apiId}[/{clientId}]`;
- `/api/activity/keys/{keyHash}/{d}/{m}/{y}/{d}/{m}/{y}` and `/api/activity/oauthid/{clientId}/...`
  answer `{"data": [ResultUnit...], "pages": 1}` as the Dashboard does (the contract's example):
  aggregated over the whole range asked, one unit per API the key or client may call and response
  code (`id.api_id`, `id.api_name`: the key's access rights, the OAuth client's API; `id.code`;
  `id.day`, `id.month` and `id.year` are 0), with hits, success, error and latencies (average, min, max: no percentiles,
  as Tyk's aggregate analytics have none); a day's figures come from asking for that day alone. The
  traffic is deterministic: every key and OAuth client issued has generated traffic on each day
  since it was issued (`traffic_on`), and `seed_traffic()` / `set_traffic()` give one past days or
  exact numbers.

Bodies are decoded the way the Dashboard's Go structs decode them: unknown fields are dropped, a
JSON value of the wrong type (a string for a number, `1.5` or `1e3` for an integer) is refused with
403 "Request body malformed.", and every known field is written back with its zero value.

Use it in-process (`TykDashboard(...).start()`, see `tests/support/tyk.py`) or standalone:

    python tools/tyk_simulator.py --port 3900 --secret S --org-id O --seed

Failures are switched on at run time with `fail()` (or `down()`, `slow()`, `fail_status()`,
`truncate()`, `invalid_json()`), for every request or only those under a path prefix, and for
ever or for the next N requests; `heal()` ends them all. Every request received is logged in
`requests` (method, path, query, headers, parsed JSON body, the status answered).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import copy
import datetime
import hashlib
import itertools
import json
import math
import os
import re
import secrets
import signal
import socket
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

__all__ = ["Failure", "ReceivedRequest", "Traffic", "TykDashboard", "key_hash", "main", "murmur3_32", "object_id"]

HOST = "127.0.0.1"
DEFAULT_SECRET = "tyk-dashboard-simulator-secret"  # noqa: S105 - a test double's default key
DEFAULT_ORG_ID = "5e9d9544a1dcd60001d0ed20"
PAGE_SIZE = 10

# Where the contracts (and the seed files) are: vendored in the repository's contracts/tyk/.
CONTRACTS_DIR = Path(os.environ.get("TYK_CONTRACTS_DIR")
                     or Path(__file__).resolve().parents[1] / "contracts" / "tyk")

FAILURE_MODES = ("down", "slow", "status", "truncated", "invalid-json")

# The API IDs `seed_realistic()` uses, for tests and demos that need to name one.
API_SAMPLE = "1"  # app_sample.json's own api_id
API_PAYMENTS = "b84fe1a04e5648927971c0557971565c"
API_WEATHER = "3a7c1e9d20f54b6c8e1f0a2b4c6d8e0f"
API_ACCOUNTS = "e95400eba23c4a2d4622a722be06fe95"
API_PETSTORE = "4c1c0d8fc885401053ddac4e39ef676b"
API_SHIPPING = "9d8e7f6a5b4c4d3e2f1a0b9c8d7e6f5a"
API_LEGACY = "0f1e2d3c4b5a49687766554433221100"
API_RETIRED = "deadbeefdeadbeefdeadbeefdeadbeef"  # created, referenced by a policy, then deleted
TESTDATA_API_IDS = ("a", "b", "c", "d", "e", "graphql-api")  # what policies-testdata.json refers to

# --------------------------------------------------------------------------------------------
# Small helpers: IDs, hashes, times, Go-like JSON


_oid_counter = itertools.count(secrets.randbelow(0xFFFFFF))
_oid_process = secrets.token_bytes(5)
_oid_lock = threading.Lock()


def object_id() -> str:
    """A MongoDB ObjectId in hex, as the Dashboard gives its documents (`_id`, an API's `id`)."""
    with _oid_lock:
        count = next(_oid_counter) & 0xFFFFFF
    return (int(time.time()).to_bytes(4, "big") + _oid_process + count.to_bytes(3, "big")).hex()


def murmur3_32(data: bytes, seed: int = 0) -> int:
    """MurmurHash3 (x86, 32-bit): the Gateway's default key hash (`hash_key_function`)."""
    c1, c2, mask = 0xCC9E2D51, 0x1B873593, 0xFFFFFFFF
    h = seed & mask
    whole = len(data) // 4 * 4
    for i in range(0, whole, 4):
        k = int.from_bytes(data[i:i + 4], "little")
        k = (k * c1) & mask
        k = ((k << 15) | (k >> 17)) & mask
        h ^= (k * c2) & mask
        h = ((h << 13) | (h >> 19)) & mask
        h = (h * 5 + 0xE6546B64) & mask
    tail = data[whole:]
    k = 0
    if len(tail) == 3:
        k ^= tail[2] << 16
    if len(tail) >= 2:
        k ^= tail[1] << 8
    if tail:
        k ^= tail[0]
        k = (k * c1) & mask
        k = ((k << 15) | (k >> 17)) & mask
        h ^= (k * c2) & mask
    h ^= len(data)
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & mask
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & mask
    return h ^ (h >> 16)


def key_hash(key: str) -> str:
    return f"{murmur3_32(key.encode()):08x}"


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def rfc3339(moment: datetime.datetime | None = None) -> str:
    """A time as Go's encoding/json writes a time.Time in UTC (milliseconds here)."""
    return (moment or _now()).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def go_json(value: Any) -> bytes:
    """JSON as Go's encoding/json writes it: compact, UTF-8, with <, >, & and U+2028/9 escaped."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                          ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escaped)
    return text.encode()


class Malformed(ValueError):
    """A body that Go's json.Unmarshal would refuse for the target struct."""


def _int(value: Any, name: str) -> int:
    # Go refuses 1.0, 1e3 and 1.5 for an int field; Python reads all three as float.
    if isinstance(value, bool) or not isinstance(value, int):
        raise Malformed(f"{name}: cannot unmarshal {type(value).__name__} into int")
    return value


def _float(value: Any, name: str) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Malformed(f"{name}: cannot unmarshal {type(value).__name__} into float64")
    # Go writes float64(60) as 60: keep integral values integral.
    return int(value) if float(value).is_integer() and abs(value) < 1e21 else float(value)


def _str(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise Malformed(f"{name}: cannot unmarshal {type(value).__name__} into string")
    return value


def _bool(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise Malformed(f"{name}: cannot unmarshal {type(value).__name__} into bool")
    return value


def _str_list(value: Any, name: str) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise Malformed(f"{name}: cannot unmarshal {type(value).__name__} into []string")
    return [_str(item, name) for item in value]


def _obj(value: Any, name: str) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise Malformed(f"{name}: cannot unmarshal {type(value).__name__} into map")
    return value


def _list(value: Any, name: str) -> list[Any] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise Malformed(f"{name}: cannot unmarshal {type(value).__name__} into slice")
    return value


def _decode(body: dict[str, Any], fields: dict[str, tuple[Callable[[Any, str], Any], Any]]) -> dict[str, Any]:
    """Decode `body` into a struct of `fields` (name -> (decoder, zero value)), as Go does:
    unknown fields dropped, null leaves the zero value, a wrong type is an error."""
    out: dict[str, Any] = {}
    for name, (decode, zero) in fields.items():
        value = body.get(name)
        out[name] = copy.deepcopy(zero) if value is None else decode(value, name)
    return out


def _smoothing(value: Any, name: str) -> dict[str, Any] | None:
    obj = _obj(value, name)
    if obj is None:
        return None
    return _decode(obj, {"enabled": (_bool, False), "threshold": (_int, 0), "trigger": (_float, 0),
                         "step": (_int, 0), "delay": (_int, 0)})


def _api_limit(value: Any, name: str) -> dict[str, Any] | None:
    obj = _obj(value, name)
    if obj is None:
        return None
    return _decode(obj, {"rate": (_float, 0), "per": (_float, 0), "throttle_interval": (_float, 0),
                         "throttle_retry_limit": (_int, 0), "max_query_depth": (_int, 0),
                         "quota_max": (_int, 0), "quota_renews": (_int, 0), "quota_remaining": (_int, 0),
                         "quota_renewal_rate": (_int, 0), "set_by_policy": (_bool, False),
                         "smoothing": (_smoothing, None)})


def _access_definition(value: Any, name: str) -> dict[str, Any]:
    obj = _obj(value, name)
    if obj is None:
        obj = {}
    out = _decode(obj, {
        "api_name": (_str, ""), "api_id": (_str, ""), "versions": (_str_list, None),
        "allowed_urls": (_list, None), "restricted_types": (_list, None), "allowed_types": (_list, None),
        "disable_introspection": (_bool, False), "limit": (_api_limit, None),
        "field_access_rights": (_list, None), "allowance_scope": (_str, ""),
    })
    endpoints = _list(obj.get("endpoints"), name + ".endpoints")
    if endpoints:  # `endpoints,omitempty`
        out["endpoints"] = endpoints
    return out


def _access_rights(value: Any, name: str) -> dict[str, Any] | None:
    obj = _obj(value, name)
    if obj is None:
        return None
    return {api_id: _access_definition(entry, f"{name}.{api_id}") for api_id, entry in obj.items()}


def _partitions(value: Any, name: str) -> dict[str, bool]:
    obj = _obj(value, name) or {}
    return _decode(obj, {"quota": (_bool, False), "rate_limit": (_bool, False), "complexity": (_bool, False),
                         "acl": (_bool, False), "per_api": (_bool, False)})


def _graphql_rights(value: Any, name: str) -> dict[str, Any] | None:
    obj = _obj(value, name)
    if obj is None:
        return None
    return {api_id: {} for api_id in obj}  # GraphAccessDefinition is an empty struct


def _any(value: Any, name: str) -> Any:
    return value


# The Dashboard's policy document: the Gateway's user.Policy plus the Dashboard's own fields.
POLICY_FIELDS: dict[str, tuple[Callable[[Any, str], Any], Any]] = {
    "_id": (_str, ""), "id": (_str, ""), "name": (_str, ""), "org_id": (_str, ""),
    "rate": (_float, 0), "per": (_float, 0), "quota_max": (_int, 0), "quota_renewal_rate": (_int, 0),
    "throttle_interval": (_float, 0), "throttle_retry_limit": (_int, 0), "max_query_depth": (_int, 0),
    "access_rights": (_access_rights, None), "hmac_enabled": (_bool, False),
    "enable_http_signature_validation": (_bool, False), "active": (_bool, False), "is_inactive": (_bool, False),
    "tags": (_str_list, None), "key_expires_in": (_int, 0), "partitions": (_partitions, None),
    "last_updated": (_str, ""), "meta_data": (_obj, None), "graphql_access_rights": (_graphql_rights, None),
    "smoothing": (_smoothing, None), "date_created": (_str, ""),
    "state": (_str, ""), "auth_type": (_str, ""), "auth_types": (_str_list, None),
}

# The Gateway's user.SessionState, as the Dashboard's key endpoints read and write it.
SESSION_FIELDS: dict[str, tuple[Callable[[Any, str], Any], Any]] = {
    "last_check": (_int, 0), "allowance": (_float, 0), "rate": (_float, 0), "per": (_float, 0),
    "throttle_interval": (_float, 0), "throttle_retry_limit": (_int, 0), "max_query_depth": (_int, 0),
    "date_created": (_str, ""), "expires": (_int, 0), "quota_max": (_int, 0), "quota_renews": (_int, 0),
    "quota_remaining": (_int, 0), "quota_renewal_rate": (_int, 0), "access_rights": (_access_rights, None),
    "org_id": (_str, ""), "oauth_client_id": (_str, ""), "oauth_keys": (_obj, None), "certificate": (_str, ""),
    "basic_auth_data": (_obj, None), "jwt_data": (_obj, None), "hmac_enabled": (_bool, False),
    "enable_http_signature_validation": (_bool, False), "hmac_string": (_str, ""),
    "rsa_certificate_id": (_str, ""), "is_inactive": (_bool, False), "apply_policy_id": (_str, ""),
    "apply_policies": (_str_list, None), "data_expires": (_int, 0), "monitor": (_obj, None),
    "enable_detail_recording": (_bool, False), "enable_detailed_recording": (_bool, False),
    "meta_data": (_obj, None), "tags": (_str_list, None), "alias": (_str, ""), "last_updated": (_str, ""),
    "id_extractor_deadline": (_int, 0), "session_lifetime": (_int, 0), "smoothing": (_smoothing, None),
}

OAUTH_CLIENT_FIELDS: dict[str, tuple[Callable[[Any, str], Any], Any]] = {
    "client_id": (_str, ""), "secret": (_str, ""), "redirect_uri": (_str, ""), "policy_id": (_str, ""),
    "meta_data": (_any, None), "description": (_str, ""), "client_name": (_str, ""), "api_id": (_str, ""),
}


def decode_policy(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise Malformed("a policy is a JSON object")
    policy = _decode(body, POLICY_FIELDS)
    if policy["partitions"] is None:
        policy["partitions"] = _partitions({}, "partitions")
    if body.get("state") is None:  # older clients leave it out: derive it (an explicit "" stays)
        policy["state"] = "deny" if policy["is_inactive"] else ("active" if policy["active"] else "draft")
    return policy


def decode_session(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise Malformed("a session is a JSON object")
    session = _decode(body, SESSION_FIELDS)
    session["basic_auth_data"] = _decode(session["basic_auth_data"] or {},
                                         {"password": (_str, ""), "hash_type": (_str, "")})
    session["jwt_data"] = _decode(session["jwt_data"] or {}, {"secret": (_str, "")})
    session["monitor"] = {"trigger_limits": _list((session["monitor"] or {}).get("trigger_limits"), "monitor")}
    if session["access_rights"] is None:
        session["access_rights"] = {}
    if session["oauth_keys"] is not None:
        session["oauth_keys"] = {k: _str(v, "oauth_keys") for k, v in session["oauth_keys"].items()}
    return session


# --------------------------------------------------------------------------------------------
# Failures and the request log


@dataclass
class Failure:
    """One failure rule; `cancel()` ends it. `remaining` None means until cancelled."""

    mode: str
    path_prefix: str | None = None
    method: str | None = None
    remaining: int | None = None
    status: int = 500
    seconds: float = 0.0
    keep_length: bool = False
    body: bytes | None = None
    stops_listening: bool = False  # `down` for everything: the listener is closed until cancelled
    _owner: TykDashboard | None = field(default=None, repr=False)

    def matches(self, method: str, path: str) -> bool:
        if self.remaining is not None and self.remaining <= 0:
            return False
        if self.method and self.method.upper() != method:
            return False
        return self.path_prefix is None or path.startswith(self.path_prefix)

    def cancel(self) -> None:
        if self._owner is None:
            return
        if self.stops_listening:
            self._owner.up()
        else:
            self._owner._remove_failure(self)


@dataclass
class ReceivedRequest:
    """One request as the simulator received it (headers with lower-case names)."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    json: Any  # the parsed body, or None when it was empty or not JSON
    status: int | None = None  # what was answered (None: no answer, the connection was dropped)
    failures: tuple[str, ...] = ()  # the failure modes applied to it
    reply: bytes | None = None  # the body answered, when no failure mode changed it
    reply_content_type: str = ""


@dataclass(frozen=True)
class Traffic:
    """One day's traffic of one key or OAuth client: requests by outcome, latencies in milliseconds
    (the average and the slowest, which is what Tyk's aggregate analytics keep)."""

    ok: int
    errors_4xx: int = 0
    errors_5xx: int = 0
    latency_ms: float = 50.0
    max_latency_ms: int = 200

    @classmethod
    def generated(cls, ident: str, day: datetime.date) -> Traffic:
        """The deterministic traffic of `ident` on `day` (a function of both, nothing else)."""
        n = murmur3_32(f"{ident}:{day.isoformat()}".encode())
        ok = 40 + n % 400
        latency = 20.0 + (n >> 9) % 180
        return cls(ok=ok, errors_4xx=(n >> 3) % 17, errors_5xx=(n >> 7) % 4, latency_ms=latency,
                   max_latency_ms=int(latency * 3) + (n >> 13) % 500)

    def units(self, day: datetime.date, apis: list[tuple[str, str]] | None = None) -> list[dict[str, Any]]:
        """The day's ResultUnits, one per API the key or client may call (`apis`: its api_id and name)
        and response code that was answered (200, 404, 500). A code's hits are shared out between
        the APIs (the first ones get one more when they do not divide evenly), at the same latencies,
        so the day's totals are the traffic's whatever the number of APIs; no API: api_id "" (a
        credential the simulator only has traffic of)."""
        units = []
        targets = apis or [("", "")]
        for code, all_hits, latency in ((200, self.ok, self.latency_ms), (404, self.errors_4xx, self.latency_ms / 4),
                                        (500, self.errors_5xx, self.latency_ms * 2)):
            for index, (api_id, api_name) in enumerate(targets):
                hits = all_hits // len(targets) + (1 if index < all_hits % len(targets) else 0)
                if hits:
                    units.append(self._unit(day, code, hits, round(latency, 2), api_id, api_name))
        return units

    def _unit(self, day: datetime.date, code: int, hits: int, latency: float, api_id: str,
              api_name: str) -> dict[str, Any]:
        return {
                "id": {"day": day.day, "month": day.month, "year": day.year, "hour": 0, "code": code,
                       "path": "", "key": "", "alias": "", "url": "", "iso_country": "", "api_id": api_id,
                       "api_name": api_name},
                "hits": hits, "success": hits if code < 400 else 0, "error": hits if code >= 400 else 0,
                "last_hit": rfc3339(datetime.datetime.combine(day, datetime.time(23, 0), datetime.UTC)),
                "latency": latency, "upstream_latency": round(latency * 0.8, 2), "request_time": latency,
                "max_latency": self.max_latency_ms if code == 200 else int(latency * 2),
                "min_latency": max(int(latency / 4), 1), "max_upstream_latency": 0, "min_upstream_latency": 0,
        }


class _Reply:
    def __init__(self, status: int, payload: Any = None, *, raw: bytes | None = None,
                 content_type: str = "application/json", headers: dict[str, str] | None = None) -> None:
        self.status = status
        self.body = raw if raw is not None else go_json(payload)
        self.content_type = content_type
        self.headers = headers or {}


def _message(status: int, message: str, meta: Any = None) -> _Reply:
    return _Reply(status, {"Status": "OK" if status < 400 else "Error", "Message": message, "Meta": meta})


def _error(status: int, message: str) -> _Reply:
    return _message(status, message)


_ERROR_MESSAGES = {
    400: "Bad Request", 401: "Not authorised", 404: "Not found",
    500: "Internal server error.",
}


# --------------------------------------------------------------------------------------------
# The HTTP side


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    dashboard: TykDashboard

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, OSError):
            return  # the client went away (a timeout, a dropped connection): nothing to report
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.dashboard._track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.dashboard._track(self.connection, add=False)

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.dashboard.verbose:
            sys.stderr.write(f"tyk-simulator: {self.address_string()} {format % args}\n")

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline().strip():
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _dispatch(self) -> None:
        self.server.dashboard._serve(self, self._read_body())

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _dispatch

    def send_reply(self, reply: _Reply, *, cut: int | None = None, keep_length: bool = False) -> None:
        body = reply.body if cut is None else reply.body[:cut]
        self.send_response_only(reply.status)
        self.send_header("Date", self.date_time_string())
        self.send_header("Content-Type", reply.content_type)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body) if keep_length else len(body)))
        if keep_length and cut is not None:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.wfile.flush()


_Route = tuple[str, re.Pattern[str], str]

_DATES = r"(?P<sd>[^/]+)/(?P<sm>[^/]+)/(?P<sy>[^/]+)/(?P<ed>[^/]+)/(?P<em>[^/]+)/(?P<ey>[^/]+)/?"

ROUTES: list[_Route] = [
    ("GET", re.compile(r"/api/apis/?"), "list_apis"),
    ("GET", re.compile(r"/api/apis/oas/(?P<api_id>[^/]+)/?"), "get_oas_api"),
    ("GET", re.compile(r"/api/apis/oauth/(?P<api_id>[^/]+)/?"), "list_oauth_clients"),
    ("POST", re.compile(r"/api/apis/oauth/(?P<api_id>[^/]+)/?"), "create_oauth_client"),
    ("GET", re.compile(r"/api/apis/oauth/(?P<api_id>[^/]+)/(?P<client_id>[^/]+)/?"), "get_oauth_client"),
    ("DELETE", re.compile(r"/api/apis/oauth/(?P<api_id>[^/]+)/(?P<client_id>[^/]+)/?"), "delete_oauth_client"),
    ("GET", re.compile(r"/api/apis/(?P<api_id>[^/]+)/?"), "get_api"),
    ("GET", re.compile(r"/api/portal/policies/?"), "list_policies"),
    ("POST", re.compile(r"/api/portal/policies/?"), "create_policy"),
    ("GET", re.compile(r"/api/portal/policies/(?P<policy_id>[^/]+)/?"), "get_policy"),
    ("PUT", re.compile(r"/api/portal/policies/(?P<policy_id>[^/]+)/?"), "update_policy"),
    ("DELETE", re.compile(r"/api/portal/policies/(?P<policy_id>[^/]+)/?"), "delete_policy"),
    ("POST", re.compile(r"/api/keys/?"), "create_key"),
    ("POST", re.compile(r"/api/keys/(?P<key_id>[^/]+)/?"), "create_custom_key"),
    ("GET", re.compile(r"/api/keys/(?P<key_id>[^/]+)/?"), "get_key"),
    ("PUT", re.compile(r"/api/keys/(?P<key_id>[^/]+)/?"), "update_key"),
    ("DELETE", re.compile(r"/api/keys/(?P<key_id>[^/]+)/?"), "delete_key"),
    ("GET", re.compile(r"/api/activity/keys/(?P<ident>[^/]+)/" + _DATES), "key_activity"),
    ("GET", re.compile(r"/api/activity/oauthid/(?P<ident>[^/]+)/" + _DATES), "oauth_activity"),
]


def _truthy(query: dict[str, list[str]], name: str) -> bool:
    values = query.get(name)
    return bool(values) and values[0].strip().lower() not in ("", "0", "false")


# --------------------------------------------------------------------------------------------
# The Dashboard


class TykDashboard:
    """An in-memory Tyk Dashboard on 127.0.0.1. `start()`, then talk to `.url` with `.secret`."""

    def __init__(self, secret: str = DEFAULT_SECRET, org_id: str = DEFAULT_ORG_ID, *, port: int = 0,
                 host: str = HOST, page_size: int = PAGE_SIZE, verbose: bool = False,
                 policies_as_sent: bool = False) -> None:
        self.secret = secret
        # Store a PUT policy body exactly as sent (its `_id`, `id` and dates too), as some Dashboard
        # deployments do: a client that leaves fields out loses them, and a policy sent without its
        # IDs can no longer be addressed. Off: the stored `_id`, `id` and creation date are kept.
        self.policies_as_sent = policies_as_sent
        self.org_id = org_id
        self.host = host
        self.page_size = page_size
        self.verbose = verbose
        self._port = port
        self._lock = threading.RLock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()
        self._released = threading.Event()  # set to cut short every slow request (heal, stop)
        self._failures: list[Failure] = []
        self._log: list[ReceivedRequest] = []
        self._apis: dict[str, dict[str, Any]] = {}  # api_id -> stored wrapper
        self._policies: dict[str, dict[str, Any]] = {}  # _id -> policy
        self._keys: dict[str, dict[str, Any]] = {}  # key_id -> session
        self._oauth_clients: dict[tuple[str, str], dict[str, Any]] = {}  # (api_id, client_id) -> client
        # Analytics: the day each key hash / OAuth client ID was issued (traffic is generated from
        # then on), and days whose traffic was set exactly: ident -> day -> Traffic.
        self._issued: dict[str, datetime.date] = {}
        self._traffic: dict[str, dict[datetime.date, Traffic]] = {}
        self._clock = itertools.count()

    # ---- life cycle

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self._port}"

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> TykDashboard:
        if self._server is not None:
            return self
        server = _Server((self.host, self._port), _Handler)
        server.dashboard = self
        self._port = int(server.server_address[1])
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"tyk-simulator-{self._port}", daemon=True)
        self._thread.start()
        return self

    def _close_listener(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(5)
        with self._lock:
            connections = list(self._connections)
        for conn in connections:  # keep-alive connections would otherwise still be served
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def stop(self) -> None:
        """Stop listening and close every connection; the state is kept (`start()` again serves it)."""
        self._release_slow_requests()
        self._close_listener()

    def _release_slow_requests(self) -> None:
        released, self._released = self._released, threading.Event()
        released.set()

    def __enter__(self) -> TykDashboard:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _track(self, conn: socket.socket, *, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    # ---- failure modes

    def fail(self, mode: str, *, path: str | None = None, method: str | None = None, times: int | None = None,
             status: int = 500, seconds: float = 5.0, keep_length: bool = False,
             body: bytes | str | None = None) -> Failure:
        """Switch a failure on, for requests under `path` (a prefix; all when None) and `method`,
        for the next `times` of them (for ever when None). Modes:

        - "down": with no path, method or times, stop listening (connections are refused) until
          `up()`/`heal()`; otherwise matching requests are read and the connection is closed
          without an answer.
        - "slow": wait `seconds` before handling the request.
        - "status": answer `status` (401, 500, 503, ...) with the Dashboard's error shape (or
          `body`) instead of handling the request; nothing changes.
        - "truncated": handle the request, then send only the first half of the JSON body; with
          `keep_length` the Content-Length announces the whole body and the connection is closed
          early (the client sees an incomplete read), otherwise it matches the cut body (the client
          sees a complete answer that is not valid JSON).
        - "invalid-json": handle the request, then answer its status with a body that is not JSON
          (an HTML error page, or `body`).
        """
        if mode not in FAILURE_MODES:
            raise ValueError(f"unknown failure mode {mode!r}; one of {', '.join(FAILURE_MODES)}")
        if mode == "down" and path is None and method is None and times is None:
            self.down()
            return Failure("down", stops_listening=True, _owner=self)
        raw = body.encode() if isinstance(body, str) else body
        failure = Failure(mode, path, method, times, status, seconds, keep_length, raw, _owner=self)
        with self._lock:
            self._failures.append(failure)
        return failure

    def down(self) -> None:
        """Stop listening: connections are refused (the state is kept). `up()` listens again."""
        self._close_listener()

    def up(self) -> None:
        """Listen again on the same port after `down()`."""
        self.start()

    def slow(self, seconds: float, *, path: str | None = None, times: int | None = None) -> Failure:
        return self.fail("slow", path=path, times=times, seconds=seconds)

    def fail_status(self, status: int, *, path: str | None = None, times: int | None = None) -> Failure:
        return self.fail("status", path=path, times=times, status=status)

    def truncate(self, *, path: str | None = None, times: int | None = None, keep_length: bool = False) -> Failure:
        return self.fail("truncated", path=path, times=times, keep_length=keep_length)

    def invalid_json(self, *, path: str | None = None, times: int | None = None) -> Failure:
        return self.fail("invalid-json", path=path, times=times)

    def heal(self) -> None:
        """End every failure: cancel the rules, release slow requests, listen again if down."""
        with self._lock:
            self._failures.clear()
        self._release_slow_requests()
        self.start()

    @property
    def failures(self) -> list[Failure]:
        with self._lock:
            return list(self._failures)

    def _remove_failure(self, failure: Failure) -> None:
        with self._lock:
            if failure in self._failures:
                self._failures.remove(failure)

    def _take_failures(self, method: str, path: str) -> list[Failure]:
        taken = []
        with self._lock:
            seen: set[str] = set()
            for failure in list(self._failures):
                if failure.mode in seen or not failure.matches(method, path):
                    continue
                seen.add(failure.mode)
                taken.append(failure)
                if failure.remaining is not None:
                    failure.remaining -= 1
                    if failure.remaining <= 0:
                        self._failures.remove(failure)
        return taken

    # ---- the request log

    @property
    def requests(self) -> list[ReceivedRequest]:
        with self._lock:
            return list(self._log)

    def requests_to(self, method: str, path: str) -> list[ReceivedRequest]:
        """The logged requests with `method` whose path starts with `path`."""
        return [r for r in self.requests if r.method == method.upper() and r.path.startswith(path)]

    def clear_requests(self) -> None:
        with self._lock:
            self._log.clear()

    # ---- serving

    def _serve(self, handler: _Handler, body: bytes) -> None:
        split = urlsplit(handler.path)
        path = unquote(split.path)
        query = parse_qs(split.query, keep_blank_values=True)
        parsed: Any = None
        if body:
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = None
        record = ReceivedRequest(handler.command, path, query, {k.lower(): v for k, v in handler.headers.items()},
                                 body, parsed)
        with self._lock:
            self._log.append(record)
        failures = {f.mode: f for f in self._take_failures(handler.command, path)}
        record.failures = tuple(failures)
        released = self._released
        if "slow" in failures and released.wait(failures["slow"].seconds):
            handler.close_connection = True  # heal() or stop(): give up the request
            return
        if "down" in failures:
            handler.close_connection = True
            with contextlib.suppress(OSError):
                handler.connection.shutdown(socket.SHUT_RDWR)
            return
        if "status" in failures:
            failure = failures["status"]
            if failure.body is not None:
                reply = _Reply(failure.status, raw=failure.body)
            else:
                message = _ERROR_MESSAGES.get(failure.status) or HTTPStatus(failure.status).phrase
                if failure.status == 403:
                    message = f"access denied: You do not have permission to access  {path}"
                reply = _error(failure.status, message)
        else:
            try:
                reply = self._route(handler.command, path, query, body, handler.headers.get("Authorization"))
            except Exception:  # a bug here must still answer like a server, and say why
                traceback.print_exc()
                reply = _error(500, "Internal server error.")
        record.status = reply.status
        if not failures:
            record.reply, record.reply_content_type = reply.body, reply.content_type
        cut = None
        keep_length = False
        if "truncated" in failures:
            cut = len(reply.body) // 2
            keep_length = failures["truncated"].keep_length
        if "invalid-json" in failures:
            raw = failures["invalid-json"].body or (
                b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1>"
                b"</center><hr><center>nginx</center></body></html>\n")
            reply = _Reply(reply.status, raw=raw, content_type=reply.content_type, headers=reply.headers)
        with contextlib.suppress(OSError):
            handler.send_reply(reply, cut=cut, keep_length=keep_length)

    def _route(self, method: str, path: str, query: dict[str, list[str]], body: bytes,
               authorization: str | None) -> _Reply:
        allowed = False
        for route_method, pattern, name in ROUTES:
            match = pattern.fullmatch(path)
            if not match:
                continue
            if route_method != method:
                allowed = True
                continue
            if authorization is None or not secrets.compare_digest(authorization.encode(), self.secret.encode()):
                return _error(401, "Not authorised")
            handler = getattr(self, "_" + name)
            with self._lock:
                return handler(query=query, body=body, **match.groupdict())  # type: ignore[no-any-return]
        if allowed:
            return _Reply(405, raw=b"", content_type="text/plain; charset=utf-8")
        return _Reply(404, raw=b"404 page not found\n", content_type="text/plain; charset=utf-8")

    # ---- paging

    def _page(self, items: list[Any], query: dict[str, list[str]]) -> tuple[list[Any] | None, int]:
        """The page `p` asks for (1-based; 0 or absent: the first; below 0: everything) and the
        page count. An empty page is null, as Go writes a nil slice."""
        pages = math.ceil(len(items) / self.page_size)
        try:
            p = int((query.get("p") or ["1"])[0])
        except ValueError:
            p = 1
        if p < 0:
            chosen = items
        else:
            start = (max(p, 1) - 1) * self.page_size
            chosen = items[start:start + self.page_size]
        return (chosen or None), pages

    # ---- APIs

    def _find_api(self, api_id: str) -> dict[str, Any] | None:
        wrapper = self._apis.get(api_id)
        if wrapper is None:
            wrapper = next((w for w in self._apis.values() if w["api_definition"].get("id") == api_id), None)
        return wrapper

    def _list_apis(self, query: dict[str, list[str]], body: bytes) -> _Reply:
        wrappers = [w for w in self._apis.values() if w["api_definition"].get("org_id") == self.org_id]
        if query.get("q") and query["q"][0]:
            needle = query["q"][0].lower()
            wrappers = [w for w in wrappers if needle in str(w["api_definition"].get("name", "")).lower()]
        sort = (query.get("sort") or ["-created_at"])[0] or "-created_at"
        key = sort.lstrip("-")
        if key not in ("name", "created_at", "updated_at"):
            key, sort = "created_at", "-created_at"
        wrappers.sort(key=lambda w: (str(w["api_definition"].get("name", "")).lower() if key == "name"
                                     else w["_order"] if key == "created_at" else w[key]),
                      reverse=sort.startswith("-"))
        page, pages = self._page(wrappers, query)
        return _Reply(200, {"apis": None if page is None else [self._api_view(w) for w in page], "pages": pages})

    @staticmethod
    def _api_view(wrapper: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in wrapper.items() if not k.startswith("_") and not (k == "oas" and v is None)}

    def _get_api(self, query: dict[str, list[str]], body: bytes, api_id: str) -> _Reply:
        wrapper = self._find_api(api_id)
        if wrapper is None or wrapper["api_definition"].get("org_id") != self.org_id:
            return _error(400, "Could not retrieve API detail")
        return _Reply(200, self._api_view(wrapper))

    def _get_oas_api(self, query: dict[str, list[str]], body: bytes, api_id: str) -> _Reply:
        wrapper = self._find_api(api_id)
        if wrapper is None or wrapper.get("oas") is None or wrapper["api_definition"].get("org_id") != self.org_id:
            return _error(400, "Could not retrieve API detail.")
        return _Reply(200, wrapper["oas"])

    # ---- policies

    def _org_policies(self) -> list[dict[str, Any]]:
        return [p for p in self._policies.values() if p["org_id"] == self.org_id]

    def _find_policy(self, policy_id: str) -> dict[str, Any] | None:
        """By `id` (the policy ID, Dashboard 5.12+) or `_id` (the database ID), in this org."""
        for policy in self._org_policies():
            if policy["_id"] == policy_id or (policy["id"] and policy["id"] == policy_id):
                return policy
        return None

    def _list_policies(self, query: dict[str, list[str]], body: bytes) -> _Reply:
        policies = self._org_policies()
        if "active" in query:
            policies = [p for p in policies if p["active"]]
        page, pages = self._page(policies, query)
        return _Reply(200, {"Data": copy.deepcopy(page), "Pages": pages})

    def _get_policy(self, query: dict[str, list[str]], body: bytes, policy_id: str) -> _Reply:
        policy = self._find_policy(policy_id)
        if policy is None:
            return _error(404, "Could not retrieve portal object.")
        return _Reply(200, copy.deepcopy(policy))

    def _check_policy_unique(self, policy: dict[str, Any], replacing: dict[str, Any] | None = None) -> _Reply | None:
        for other in self._org_policies():
            if other is replacing or other["_id"] == policy["_id"]:
                continue
            if policy["name"] and other["name"] == policy["name"]:
                return _error(400, "This policy name has already been used. Enter a unique policy name.")
            if policy["id"] and policy["id"] in (other["id"], other["_id"]):
                return _error(400, "This policy ID has already been used. Enter a unique policy ID.")
        return None

    def _create_policy(self, query: dict[str, list[str]], body: bytes) -> _Reply:
        try:
            policy = decode_policy(json.loads(body))
        except (ValueError, Malformed):
            return _error(403, "Request body malformed.")
        policy["_id"] = object_id()
        policy["org_id"] = self.org_id
        policy["date_created"] = rfc3339()
        policy["last_updated"] = str(int(time.time()))
        problem = self._check_policy_unique(policy)
        if problem:
            return problem
        self._policies[policy["_id"]] = policy
        return _message(200, policy["_id"])

    def _update_policy(self, query: dict[str, list[str]], body: bytes, policy_id: str) -> _Reply:
        current = self._find_policy(policy_id)
        if current is None:
            return _error(404, "Could not retrieve portal object.")
        try:
            policy = decode_policy(json.loads(body))
        except (ValueError, Malformed):
            return _error(403, "Request body malformed.")
        if not self.policies_as_sent:
            policy["_id"] = current["_id"]
            policy["id"] = policy["id"] or current["id"]
            policy["org_id"] = self.org_id
            policy["date_created"] = current["date_created"]
            policy["last_updated"] = str(int(time.time()))
        problem = self._check_policy_unique(policy, current)
        if problem:
            return problem
        stored_under = next(k for k, v in self._policies.items() if v is current)
        self._policies[stored_under] = policy
        return _message(200, "Data updated")

    def _delete_policy(self, query: dict[str, list[str]], body: bytes, policy_id: str) -> _Reply:
        policy = self._find_policy(policy_id)
        if policy is None:
            return _error(404, "Could not retrieve object for deletion")
        del self._policies[policy["_id"]]
        return _message(200, "Data deleted")

    # ---- keys

    def _key_data(self, key_id: str) -> dict[str, Any]:
        return {"api_model": {}, "key_id": key_id, "key_hash": key_hash(key_id),
                "data": copy.deepcopy(self._keys[key_id])}

    def _find_key(self, key_id: str, query: dict[str, list[str]]) -> str | None:
        hashed = bool(query.get("hashed") and query["hashed"][0])
        if not hashed and key_id in self._keys:
            return key_id
        if hashed or _truthy(query, "auto_guess"):
            return next((k for k in self._keys if key_hash(k) == key_id), None)
        return None

    def _apply_policies(self, session: dict[str, Any], *, creating: bool) -> bool:
        """What the Gateway does with `apply_policies` when it stores a key (simplified): the ACL
        partition (or an unpartitioned policy) grants its access rights when the body names none,
        the rate-limit and quota partitions set the highest limits. False when a policy is unknown."""
        policies = []
        for policy_id in session["apply_policies"] or []:
            policy = self._find_policy(policy_id)
            if policy is None:
                return False
            policies.append(policy)
        grant_rights = not session["access_rights"]
        best_rate: tuple[float, dict[str, Any]] | None = None
        best_quota: tuple[float, dict[str, Any]] | None = None
        for policy in policies:
            parts = policy["partitions"]
            whole = not (parts["acl"] or parts["rate_limit"] or parts["quota"] or parts["complexity"])
            if (whole or parts["acl"]) and grant_rights:
                session["access_rights"].update(copy.deepcopy(policy["access_rights"] or {}))
            if whole or parts["rate_limit"]:
                rate = math.inf if policy["rate"] < 0 else (policy["rate"] / policy["per"] if policy["per"] else 0)
                if best_rate is None or rate > best_rate[0]:
                    best_rate = (rate, policy)
            if whole or parts["quota"]:
                quota = math.inf if policy["quota_max"] < 0 else policy["quota_max"]
                if best_quota is None or quota > best_quota[0]:
                    best_quota = (quota, policy)
        if best_rate is not None:
            for name in ("rate", "per", "throttle_interval", "throttle_retry_limit"):
                session[name] = best_rate[1][name]
        if best_quota is not None:
            session["quota_max"] = best_quota[1]["quota_max"]
            session["quota_renewal_rate"] = best_quota[1]["quota_renewal_rate"]
            if creating:
                session["quota_remaining"] = session["quota_max"]
        return True

    def _create_key(self, query: dict[str, list[str]], body: bytes) -> _Reply:
        try:
            session = decode_session(json.loads(body))
        except (ValueError, Malformed):
            return _error(403, "Request body malformed.")
        session["org_id"] = self.org_id
        session["date_created"] = session["date_created"] or rfc3339()
        session["last_updated"] = str(int(time.time()))
        if not self._apply_policies(session, creating=True):
            return _error(500, "Failed to create key, ensure security settings are correct.")
        key_id = self.org_id + uuid.uuid4().hex
        self._keys[key_id] = session
        self._issued.setdefault(key_hash(key_id), _now().date())
        return _Reply(200, self._key_data(key_id))

    def _create_custom_key(self, query: dict[str, list[str]], body: bytes, key_id: str) -> _Reply:
        """POST /api/keys/{keyId} (createCustomKey): a key whose ID the caller chose."""
        try:
            session = decode_session(json.loads(body))
        except (ValueError, Malformed):
            return _error(403, "Request body malformed.")
        session["org_id"] = self.org_id
        session["date_created"] = session["date_created"] or rfc3339()
        session["last_updated"] = str(int(time.time()))
        if not self._apply_policies(session, creating=True):
            return _error(500, "Failed to create key, ensure security settings are correct.")
        self._keys[key_id] = session
        self._issued.setdefault(key_hash(key_id), _now().date())
        return _Reply(200, self._key_data(key_id))

    def _get_key(self, query: dict[str, list[str]], body: bytes, key_id: str) -> _Reply:
        found = self._find_key(key_id, query)
        if found is None:
            return _error(404, "Could not retrieve key detail.")
        return _Reply(200, self._key_data(found))

    def _update_key(self, query: dict[str, list[str]], body: bytes, key_id: str) -> _Reply:
        found = self._find_key(key_id, query)
        if found is None:
            return _error(404, "Could not retrieve key detail.")
        try:
            session = decode_session(json.loads(body))
        except (ValueError, Malformed):
            return _error(403, "Request body malformed.")
        current = self._keys[found]
        session["org_id"] = self.org_id
        session["date_created"] = current["date_created"]
        session["last_updated"] = str(int(time.time()))
        if not self._apply_policies(session, creating=False):
            return _error(500, "Failed to create key, ensure security settings are correct.")
        self._keys[found] = session
        return _Reply(200, self._key_data(found))

    def _delete_key(self, query: dict[str, list[str]], body: bytes, key_id: str) -> _Reply:
        found = self._find_key(key_id, query)
        if found is None:
            return _error(404, "Could not retrieve key detail.")
        del self._keys[found]
        return _message(200, "Key deleted successfully.")

    # ---- OAuth clients

    def _oauth_view(self, client: dict[str, Any]) -> dict[str, Any]:
        view = {k: v for k, v in client.items() if k != "api_id"}
        if view.get("meta_data") is None:
            view.pop("meta_data", None)  # `meta_data,omitempty`
        return view

    def _list_oauth_clients(self, query: dict[str, list[str]], body: bytes, api_id: str) -> _Reply:
        wrapper = self._find_api(api_id)
        if wrapper is None:
            return _error(400, "API Reference not found.")
        real_id = wrapper["api_definition"]["api_id"]
        apps = [self._oauth_view(c) for (a, _), c in self._oauth_clients.items() if a == real_id]
        return _Reply(200, {"apps": apps or None, "pages": 1 if apps else 0})

    def _create_oauth_client(self, query: dict[str, list[str]], body: bytes, api_id: str) -> _Reply:
        wrapper = self._find_api(api_id)
        if wrapper is None:
            return _error(400, "API reference not found.")
        try:
            raw = json.loads(body)
            if not isinstance(raw, dict):
                raise Malformed("an OAuth client is a JSON object")
            client = _decode(raw, OAUTH_CLIENT_FIELDS)
        except (ValueError, Malformed):
            return _error(403, "Request body malformed.")
        if client["policy_id"] and self._find_policy(client["policy_id"]) is None:
            return _error(500, "Could not retrieve policy details.")
        real_id = wrapper["api_definition"]["api_id"]
        client_id = client["client_id"] or uuid.uuid4().hex
        stored = {
            "client_id": client_id,
            "secret": client["secret"] or base64.b64encode(str(uuid.uuid4()).encode()).decode(),
            "redirect_uri": client["redirect_uri"],
            "policy_id": client["policy_id"],
            "meta_data": client["meta_data"],
            "description": client["description"],
            "client_name": client["client_name"],
            "dcr_registration": {"provider": "", "client_uri": "", "access_token": ""},
            "api_id": real_id,
        }
        self._oauth_clients[(real_id, client_id)] = stored
        self._issued.setdefault(client_id, _now().date())
        return _Reply(200, self._oauth_view(stored))

    def _get_oauth_client(self, query: dict[str, list[str]], body: bytes, api_id: str, client_id: str) -> _Reply:
        wrapper = self._find_api(api_id)
        if wrapper is None:
            return _error(400, "API reference not found.")
        client = self._oauth_clients.get((wrapper["api_definition"]["api_id"], client_id))
        if client is None:
            return _error(404, "Could not retrieve app detail.")
        return _Reply(200, self._oauth_view(client))

    def _delete_oauth_client(self, query: dict[str, list[str]], body: bytes, api_id: str, client_id: str) -> _Reply:
        wrapper = self._find_api(api_id)
        if wrapper is None:
            return _error(400, "API Reference not found.")
        if self._oauth_clients.pop((wrapper["api_definition"]["api_id"], client_id), None) is None:
            return _error(404, "Could not retrieve app detail.")
        return _message(200, "OAuth client deleted successfully.")

    # ---- analytics

    def _activity(self, ident: str, dates: dict[str, str]) -> list[dict[str, Any]] | None:
        """The units of `ident` between the two dates (inclusive), as Tyk's Dashboard answers them:
        aggregated over the whole range, one unit per response code, the unit's day, month and year 0
        (the contract's example). A day's figures come from asking for that day alone. None for a
        bad date."""
        try:
            start = datetime.date(int(dates["sy"]), int(dates["sm"]), int(dates["sd"]))
            end = datetime.date(int(dates["ey"]), int(dates["em"]), int(dates["ed"]))
        except ValueError:
            return None
        by_code: dict[tuple[str, int], dict[str, Any]] = {}
        apis = self.apis_of(ident)
        day, steps = start, 0
        while day <= end and steps < 3660:  # ten years at most
            traffic = self.traffic_on(ident, day)
            for unit in traffic.units(day, apis) if traffic is not None else []:
                code = (unit["id"]["api_id"], unit["id"]["code"])
                total = by_code.get(code)
                if total is None:
                    by_code[code] = {**unit, "id": {**unit["id"], "day": 0, "month": 0, "year": 0}}
                    continue
                hits = total["hits"] + unit["hits"]
                for name in ("latency", "upstream_latency", "request_time"):  # averages, weighted by hits
                    total[name] = round((total[name] * total["hits"] + unit[name] * unit["hits"]) / hits, 2)
                total["hits"], total["success"], total["error"] = hits, total["success"] + unit["success"], \
                    total["error"] + unit["error"]
                total["max_latency"] = max(total["max_latency"], unit["max_latency"])
                total["min_latency"] = min(total["min_latency"], unit["min_latency"])
                total["last_hit"] = unit["last_hit"]
            day += datetime.timedelta(days=1)
            steps += 1
        return [by_code[code] for code in sorted(by_code)]

    def apis_of(self, ident: str) -> list[tuple[str, str]]:
        """The APIs (api_id, name) a key (by its hash or, unhashed, itself) or an OAuth client (by
        its ID) may call, sorted by api_id: its access rights' / its API's. The name is the API
        definition's (the gateway records the API's own name), else the access right's. Empty for an
        ident the simulator issued nothing to (traffic seeded for it alone)."""
        with self._lock:
            for key_id, session in self._keys.items():
                if ident in (key_hash(key_id), key_id):
                    rights = session.get("access_rights") or {}
                    return sorted((api_id, self._api_name(api_id) or str((right or {}).get("api_name") or ""))
                                  for api_id, right in rights.items())
            return sorted((api_id, self._api_name(api_id)) for api_id, client_id in self._oauth_clients
                          if client_id == ident)

    def _api_name(self, api_id: str) -> str:
        wrapper = self._find_api(api_id)
        return str(wrapper["api_definition"].get("name") or "") if wrapper is not None else ""

    def _key_activity(self, query: dict[str, list[str]], body: bytes, ident: str, **dates: str) -> _Reply:
        units = self._activity(ident, dates)
        if units is None:
            return _error(400, "Key could not be decoded.")
        return _Reply(200, {"data": units or None, "pages": 1 if units else 0})

    def _oauth_activity(self, query: dict[str, list[str]], body: bytes, ident: str, **dates: str) -> _Reply:
        units = self._activity(ident, dates)
        if units is None:
            return _error(500, "Failed to fetch analytics.")
        return _Reply(200, {"data": units or None, "pages": 1 if units else 0})

    def traffic_on(self, ident: str, day: datetime.date) -> Traffic | None:
        """The traffic of a key (by its hash) or OAuth client (by its ID) on `day`: set exactly,
        else generated from the day it was issued until today, else none."""
        with self._lock:
            exact = self._traffic.get(ident, {}).get(day)
            if exact is not None:
                return exact
            issued = self._issued.get(ident)
        if issued is None or not issued <= day <= _now().date():
            return None
        return Traffic.generated(ident, day)

    def seed_traffic(self, ident: str, days: int = 7) -> None:
        """Generated traffic for `ident` (a key hash or an OAuth client ID) on each of the last
        `days` days, today included: as if it had been issued then."""
        start = _now().date() - datetime.timedelta(days=days - 1)
        with self._lock:
            self._issued[ident] = min(self._issued.get(ident, start), start)

    def set_traffic(self, ident: str, day: datetime.date, traffic: Traffic) -> None:
        """Exactly this traffic for `ident` on `day`."""
        with self._lock:
            self._traffic.setdefault(ident, {})[day] = traffic

    # ---- state, for tests and seeding

    def reset(self) -> None:
        """Forget every API, policy, key, OAuth client, failure and logged request."""
        with self._lock:
            self._apis.clear()
            self._policies.clear()
            self._keys.clear()
            self._oauth_clients.clear()
            self._issued.clear()
            self._traffic.clear()
            self._failures.clear()
            self._log.clear()

    def add_api(self, api_definition: dict[str, Any], *, oas: dict[str, Any] | None = None,
                categories: list[str] | None = None) -> dict[str, Any]:
        """Store a classic API definition (in the Dashboard's wrapper), with an OpenAPI document
        for a Tyk OAS API. Missing `api_id`, `id` and `org_id` are filled in. Returns the wrapper."""
        definition = copy.deepcopy(api_definition)
        definition.setdefault("api_id", uuid.uuid4().hex)
        definition.setdefault("id", object_id())
        definition["org_id"] = definition.get("org_id") or self.org_id
        definition.setdefault("active", True)
        definition.setdefault("is_oas", oas is not None)
        definition.setdefault("tags", [])
        stamp = rfc3339()
        wrapper = {
            "api_definition": definition,
            "hook_references": [],
            "is_site": False,
            "sort_by": 0,
            "user_group_owners": [],
            "user_owners": [],
            "created_at": stamp,
            "updated_at": stamp,
            "categories": list(categories or []),
            "oas": copy.deepcopy(oas),
        }
        with self._lock:
            wrapper["_order"] = next(self._clock)
            self._apis[definition["api_id"]] = wrapper
        return copy.deepcopy(self._api_view(wrapper))

    def remove_api(self, api_id: str) -> None:
        with self._lock:
            self._apis.pop(api_id, None)

    def add_policy(self, policy: dict[str, Any]) -> dict[str, Any]:
        """Store a policy as if it were POSTed (decoded, given an `_id`; `org_id` is kept when
        set, so a policy of another organisation can be planted). Returns the stored policy."""
        decoded = decode_policy(policy)
        decoded["_id"] = decoded["_id"] or object_id()
        decoded["org_id"] = decoded["org_id"] or self.org_id
        decoded["date_created"] = decoded["date_created"] or rfc3339()
        decoded["last_updated"] = decoded["last_updated"] or str(int(time.time()))
        with self._lock:
            self._policies[decoded["_id"]] = decoded
        return copy.deepcopy(decoded)

    def policy_named(self, name: str) -> dict[str, Any]:
        with self._lock:
            for policy in self._policies.values():
                if policy["name"] == name:
                    return copy.deepcopy(policy)
        raise KeyError(name)

    @property
    def apis(self) -> dict[str, dict[str, Any]]:
        """api_id -> the API's wrapper, as GET /api/apis/{id} answers it."""
        with self._lock:
            return {k: copy.deepcopy(self._api_view(w)) for k, w in self._apis.items()}

    @property
    def policies(self) -> dict[str, dict[str, Any]]:
        """_id -> policy."""
        with self._lock:
            return copy.deepcopy(self._policies)

    @property
    def keys(self) -> dict[str, dict[str, Any]]:
        """key_id -> session (SessionState)."""
        with self._lock:
            return copy.deepcopy(self._keys)

    @property
    def hashed_keys(self) -> dict[str, dict[str, Any]]:
        """key_hash -> session: how a portal that addresses keys by hash (?hashed=true) knows them."""
        with self._lock:
            return {key_hash(k): copy.deepcopy(v) for k, v in self._keys.items()}

    @property
    def oauth_clients(self) -> dict[tuple[str, str], dict[str, Any]]:
        """(api_id, client_id) -> client."""
        with self._lock:
            return copy.deepcopy(self._oauth_clients)

    # ---- seeding

    def seed_realistic(self) -> TykDashboard:
        """APIs (app_sample.json; keyless, auth-token, OAuth 2.0, JWT, OAS and inactive ones; the
        small APIs policies-testdata.json refers to) and policies (policies-testdata.json, named by
        their keys; portal products and plans tagged "portal"; a product whose API was deleted; a
        malformed one; a draft, a denied, a GraphQL and another organisation's one)."""
        for definition, oas in _realistic_apis():
            self.add_api(definition, oas=oas)
        testdata = json.loads((CONTRACTS_DIR / "policies-testdata.json").read_text())
        for name, policy in testdata.items():
            self.add_policy({**policy, "name": name, "active": True, "state": "active",
                             "auth_type": "authToken", "auth_types": ["authToken"]})
        # The retired API existed when its product was made, and was deleted since.
        self.add_api({"api_id": API_RETIRED, "name": "Retired API", "use_standard_auth": True,
                      "proxy": {"listen_path": "/retired/", "target_url": "https://retired.example.com",
                                "strip_listen_path": True}})
        for policy in _portal_policies():
            self.add_policy(policy)
        self.remove_api(API_RETIRED)
        return self

    def seed_bulk(self, apis: int = 2000, policies: int = 10000) -> TykDashboard:
        """Many APIs and policies, for benchmarks: auth-token APIs, and portal products (one to
        three APIs each) and plans alternating, every tenth policy untagged."""
        ids = [f"{index:08x}" + hashlib.md5(str(index).encode(), usedforsecurity=False).hexdigest()[:24]
               for index in range(apis)]
        stamp = rfc3339()
        with self._lock:
            for index, api_id in enumerate(ids):
                definition = {
                    "api_id": api_id, "id": object_id(), "org_id": self.org_id, "name": f"Bulk API {index:05d}",
                    "slug": f"bulk-api-{index:05d}", "active": True, "is_oas": False, "internal": False,
                    "use_keyless": False, "use_standard_auth": True, "use_oauth2": False,
                    "auth": {"auth_header_name": "Authorization"}, "tags": ["bulk"],
                    "proxy": {"listen_path": f"/bulk-{index:05d}/", "target_url": "https://httpbin.org",
                              "strip_listen_path": True},
                    "version_data": {"not_versioned": True, "versions": {"Default": {"name": "Default"}}},
                }
                self._apis[api_id] = {
                    "api_definition": definition, "hook_references": [], "is_site": False, "sort_by": 0,
                    "user_group_owners": [], "user_owners": [], "created_at": stamp, "updated_at": stamp,
                    "categories": [], "oas": None, "_order": next(self._clock),
                }
            last = str(int(time.time()))
            for index in range(policies):
                product = index % 2 == 0
                rights = {}
                if product and ids:
                    for offset in range(1 + index % 3):
                        api_id = ids[(index + offset * 7) % len(ids)]
                        rights[api_id] = _access_definition(
                            {"api_id": api_id, "api_name": f"Bulk API {(index + offset * 7) % len(ids):05d}",
                             "versions": ["Default"]}, "access_rights")
                policy = {
                    "_id": object_id(), "id": "", "name": f"Bulk {'Product' if product else 'Plan'} {index:05d}",
                    "org_id": self.org_id, "rate": 0 if product else 10 + index % 90, "per": 0 if product else 60,
                    "quota_max": 0 if product else 1000 * (1 + index % 10),
                    "quota_renewal_rate": 0 if product else 2592000, "throttle_interval": 0,
                    "throttle_retry_limit": 0, "max_query_depth": 0, "access_rights": rights,
                    "hmac_enabled": False, "enable_http_signature_validation": False, "active": True,
                    "is_inactive": False,
                    "tags": [] if index % 10 == 9 else ["portal", "product" if product else "plan"],
                    "key_expires_in": 0,
                    "partitions": {"quota": not product, "rate_limit": not product, "complexity": False,
                                   "acl": product, "per_api": False},
                    "last_updated": last, "meta_data": {}, "graphql_access_rights": None, "smoothing": None,
                    "date_created": stamp, "state": "active", "auth_type": "authToken",
                    "auth_types": ["authToken"],
                }
                self._policies[policy["_id"]] = policy
        return self


# --------------------------------------------------------------------------------------------
# Seed data


def _classic(api_id: str, name: str, listen_path: str, **extra: Any) -> dict[str, Any]:
    definition: dict[str, Any] = {
        "api_id": api_id, "name": name, "slug": listen_path.strip("/"), "active": True, "internal": False,
        "use_keyless": False, "use_standard_auth": False, "use_oauth2": False, "enable_jwt": False,
        "use_basic_auth": False, "auth": {"auth_header_name": "Authorization"},
        "definition": {"location": "header", "key": "x-api-version"},
        "proxy": {"listen_path": listen_path, "target_url": f"https://{listen_path.strip('/')}.internal.example.com",
                  "strip_listen_path": True},
        "version_data": {"not_versioned": True, "default_version": "",
                         "versions": {"Default": {"name": "Default", "use_extended_paths": True}}},
        "tags": [],
    }
    definition.update(extra)
    return definition


PETSTORE_OAS: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Petstore", "version": "1.0.0",
             "description": "A sample pet store, served through Tyk as an OAS API."},
    "servers": [{"url": "https://gateway.example.com/petstore/"}],
    "security": [{"authToken": []}],
    "paths": {
        "/pets": {
            "get": {"operationId": "listPets", "summary": "List all pets", "tags": ["pets"],
                    "parameters": [{"name": "limit", "in": "query", "required": False,
                                    "schema": {"type": "integer", "format": "int32", "maximum": 100}}],
                    "responses": {"200": {"description": "A page of pets",
                                          "content": {"application/json": {"schema": {
                                              "type": "array", "items": {"$ref": "#/components/schemas/Pet"}}}}}}},
            "post": {"operationId": "createPet", "summary": "Create a pet", "tags": ["pets"],
                     "requestBody": {"required": True, "content": {"application/json": {
                         "schema": {"$ref": "#/components/schemas/Pet"}}}},
                     "responses": {"201": {"description": "Created"}}},
        },
        "/pets/{petId}": {
            "get": {"operationId": "showPetById", "summary": "Info for a specific pet", "tags": ["pets"],
                    "parameters": [{"name": "petId", "in": "path", "required": True, "schema": {"type": "string"}}],
                    "responses": {"200": {"description": "The pet", "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Pet"}}}},
                        "404": {"description": "No such pet"}}},
        },
    },
    "components": {
        "schemas": {"Pet": {"type": "object", "required": ["id", "name"],
                            "properties": {"id": {"type": "integer", "format": "int64"},
                                           "name": {"type": "string"}, "tag": {"type": "string"}}}},
        "securitySchemes": {"authToken": {"type": "apiKey", "in": "header", "name": "Authorization"}},
    },
    "x-tyk-api-gateway": {
        "info": {"id": API_PETSTORE, "name": "Petstore", "state": {"active": True}},
        "server": {"listenPath": {"value": "/petstore/", "strip": True},
                   "authentication": {"enabled": True, "securitySchemes": {"authToken": {"enabled": True}}}},
        "upstream": {"url": "https://petstore.internal.example.com"},
    },
}


def _realistic_apis() -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
    sample = json.loads((CONTRACTS_DIR / "app_sample.json").read_text())
    sample["org_id"] = ""  # imported into the Dashboard's organisation
    sample.setdefault("use_standard_auth", True)
    apis: list[tuple[dict[str, Any], dict[str, Any] | None]] = [(sample, None)]
    apis.append((_classic(API_PAYMENTS, "Payments API", "/payments/", use_standard_auth=True,
                          tags=["portal", "payments"]), None))
    apis.append((_classic(API_WEATHER, "Weather API", "/weather/", use_keyless=True, tags=["portal", "public"]),
                 None))
    apis.append((_classic(API_ACCOUNTS, "Accounts API", "/accounts/", use_oauth2=True, tags=["portal"],
                          oauth_meta={"allowed_access_types": ["authorization_code", "refresh_token",
                                                               "client_credentials"],
                                      "allowed_authorize_types": ["code", "token"],
                                      "auth_login_redirect": "https://login.example.com/authorize"},
                          notifications={"shared_secret": "", "oauth_on_keychange_url": ""}), None))
    apis.append((_classic(API_PETSTORE, "Petstore", "/petstore/", use_standard_auth=True, is_oas=True,
                          tags=["portal", "oas"]), PETSTORE_OAS))
    apis.append((_classic(API_SHIPPING, "Shipping API", "/shipping/", enable_jwt=True, jwt_signing_method="rsa",
                          jwt_source="https://login.example.com/.well-known/jwks.json",
                          jwt_identity_base_field="sub", jwt_policy_field_name="pol", tags=["portal"]), None))
    apis.append((_classic(API_LEGACY, "Legacy Billing API", "/legacy-billing/", use_standard_auth=True,
                          active=False), None))
    for api_id in TESTDATA_API_IDS:
        extra: dict[str, Any] = {"use_standard_auth": True}
        if api_id == "graphql-api":
            extra["graphql"] = {"enabled": True, "execution_mode": "proxyOnly", "version": "2",
                                "schema": "type Query { people: [Person] } type Person { name: String }"}
        apis.append((_classic(api_id, f"Test API {api_id}", f"/test-{api_id}/", **extra), None))
    return apis


def _right(api_id: str, api_name: str, **extra: Any) -> dict[str, Any]:
    return {"api_id": api_id, "api_name": api_name, "versions": ["Default"], "allowed_urls": [],
            "restricted_types": [], "allowed_types": [], "disable_introspection": False, "limit": None,
            "field_access_rights": [], "allowance_scope": "", **extra}


def _portal_policy(name: str, *, product: bool, rights: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    policy: dict[str, Any] = {
        "name": name, "active": True, "is_inactive": False, "state": "active",
        "access_rights": rights or {},
        "partitions": ({"acl": True, "rate_limit": False, "quota": False, "complexity": False, "per_api": False}
                       if product else
                       {"acl": False, "rate_limit": True, "quota": True, "complexity": False, "per_api": False}),
        "tags": ["portal", "product" if product else "plan"],
        "rate": 0 if product else 60, "per": 0 if product else 60,
        "quota_max": 0 if product else 10000, "quota_renewal_rate": 0 if product else 2592000,
        "throttle_interval": -1, "throttle_retry_limit": -1, "max_query_depth": -1, "key_expires_in": 0,
        "meta_data": {}, "auth_type": "authToken", "auth_types": ["authToken"], "hmac_enabled": False,
    }
    policy.update(extra)
    return policy


def _portal_policies() -> list[dict[str, Any]]:
    payments = _right(API_PAYMENTS, "Payments API")
    petstore = _right(API_PETSTORE, "Petstore")
    return [
        # Products: access rights only.
        _portal_policy("Payments Product", product=True, rights={API_PAYMENTS: payments},
                       meta_data={"description": "Take card payments and issue refunds."}),
        _portal_policy("Petstore Product", product=True, rights={API_PETSTORE: petstore}),
        _portal_policy("Accounts Product", product=True, auth_type="oauth", auth_types=["oauth"],
                       rights={API_ACCOUNTS: _right(API_ACCOUNTS, "Accounts API")}),
        _portal_policy("Shipping Product", product=True, auth_type="jwt", auth_types=["jwt"],
                       rights={API_SHIPPING: _right(API_SHIPPING, "Shipping API")}),
        _portal_policy("Commerce Bundle", product=True, id="commerce-bundle",
                       rights={API_PAYMENTS: payments, API_PETSTORE: petstore}),
        _portal_policy("Retired Product", product=True,
                       rights={API_RETIRED: _right(API_RETIRED, "Retired API")}),
        _portal_policy("Draft Product", product=True, active=False, state="draft",
                       rights={API_PAYMENTS: payments}),
        # Plans: rate limit and quota only.
        _portal_policy("Free Plan", product=False, id="free-plan", rate=10, per=60, quota_max=1000),
        _portal_policy("Pro Plan", product=False, rate=100, per=1, quota_max=1000000,
                       smoothing={"enabled": True, "threshold": 50, "trigger": 0.8, "step": 10, "delay": 30}),
        _portal_policy("Unlimited Plan", product=False, rate=-1, per=-1, quota_max=-1, quota_renewal_rate=-1),
        _portal_policy("Suspended Plan", product=False, is_inactive=True, state="deny"),
        # A policy that breaks expectations while staying valid JSON of the Dashboard's shape.
        {"name": "", "access_rights": None, "partitions": {"acl": True, "rate_limit": True, "quota": True},
         "tags": ["portal", "product", "plan"], "meta_data": None, "state": "", "active": True,
         "auth_type": "", "auth_types": None, "rate": 0, "per": 0, "quota_max": 0,
         "key_expires_in": -1},
        # Not for the portal.
        _portal_policy("Internal Ops Policy", product=True, tags=[], id="internal-ops",
                       rights={API_LEGACY: _right(API_LEGACY, "Legacy Billing API"),
                               API_WEATHER: _right(API_WEATHER, "Weather API")},
                       partitions={"acl": False, "rate_limit": False, "quota": False, "complexity": False,
                                   "per_api": False}),
        _portal_policy("GraphQL People Product", product=True, graphql_access_rights={"graphql-api": {}},
                       rights={"graphql-api": _right(
                           "graphql-api", "Test API graphql-api",
                           restricted_types=[{"name": "Person", "fields": ["mass"]}])}),
        _portal_policy("Other Org Product", product=True, org_id="5e9d9544a1dcd60001d0ffff",
                       rights={API_PAYMENTS: payments}),
    ]


# --------------------------------------------------------------------------------------------
# Standalone


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the Tyk Dashboard simulator until Ctrl-C or SIGTERM.")
    parser.add_argument("--host", default=HOST)
    parser.add_argument("--port", type=int, default=3000, help="0 picks a free port (default: 3000)")
    parser.add_argument("--secret", default=DEFAULT_SECRET, help="the Dashboard API key clients must send")
    parser.add_argument("--org-id", default=DEFAULT_ORG_ID)
    parser.add_argument("--page-size", type=int, default=PAGE_SIZE)
    parser.add_argument("--seed", action="store_true", help="load realistic APIs and policies")
    parser.add_argument("--seed-bulk", nargs=2, type=int, metavar=("APIS", "POLICIES"),
                        help="load many generated APIs and policies (e.g. 2000 10000)")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = parser.parse_args(argv)

    dashboard = TykDashboard(args.secret, args.org_id, port=args.port, host=args.host, page_size=args.page_size,
                             verbose=args.verbose)
    if args.seed:
        dashboard.seed_realistic()
    if args.seed_bulk:
        dashboard.seed_bulk(*args.seed_bulk)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):  # SIGINT too: a background job may have it ignored
        signal.signal(signum, lambda *_: stop.set())
    dashboard.start()
    with dashboard._lock:
        apis = sum(1 for w in dashboard._apis.values() if w["api_definition"].get("org_id") == dashboard.org_id)
        policies = len(dashboard._org_policies())
    print(f"Tyk Dashboard simulator on {dashboard.url} (org {dashboard.org_id}; {apis} APIs, {policies} policies)",
          flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        dashboard.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

