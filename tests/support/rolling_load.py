"""Steady load on the replicas of a portal during a rolling upgrade, as users and scripts make it.

A `Pool` stands for the load balancer: it sends each request to the next replica in it, and a
replica is taken out of it before it is stopped (what a Kubernetes Service does once a pod is
terminating), after its requests in flight have finished. `Load` runs three kinds of traffic on
threads until stopped, and records every request that did not answer as it should (a failed
request) and every write a replica acknowledged (so that none may be lost):

- a signed-in visitor reading the catalogue with one session (made by whichever replica);
- a script creating products through the Admin API;
- visitors signing up on the Live Portal's form (form and post may reach different replicas).
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from . import servers

PASSWORD = "correct horse battery staple 42"
SIGN_UP = "/auth/password/register"


class Pool:
    """The replicas that get traffic, round robin, with their requests in flight counted."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._replicas: list[tuple[str, servers.Server]] = []
        self._in_flight: dict[str, int] = {}
        self._next = 0

    def add(self, name: str, server: servers.Server) -> None:
        with self._lock:
            self._replicas.append((name, server))
            self._in_flight.setdefault(name, 0)

    def drain(self, name: str, timeout: float = 60) -> None:
        """Send `name` no more requests, and return once those it is answering have finished."""
        with self._lock:
            self._replicas = [r for r in self._replicas if r[0] != name]
            if not self._lock.wait_for(lambda: self._in_flight.get(name, 0) == 0, timeout):
                raise AssertionError(f"{name} still answers {self._in_flight[name]} request(s) after {timeout}s")

    @contextmanager
    def replica(self) -> Any:
        with self._lock:
            if not self._replicas:
                raise AssertionError("no replica in the pool")
            name, server = self._replicas[self._next % len(self._replicas)]
            self._next += 1
            self._in_flight[name] += 1
        try:
            yield name, server.url
        finally:
            with self._lock:
                self._in_flight[name] -= 1
                self._lock.notify_all()


@dataclass
class Load:
    pool: Pool
    admin_token: str
    session_cookies: httpx.Cookies
    failures: list[str] = field(default_factory=list)
    products: set[str] = field(default_factory=set)  # acknowledged by a replica
    sign_ups: set[str] = field(default_factory=set)
    counts: dict[str, int] = field(default_factory=dict)  # answered as they should, per replica
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> None:
        for work, cookies in ((self._read_catalogue, self.session_cookies), (self._write_products, None),
                              (self._sign_up, None)):
            thread = threading.Thread(target=self._loop, args=(work, cookies), daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(120)
            assert not thread.is_alive(), "a load thread is stuck"

    def _loop(self, work: Callable[[httpx.Client, int], None], cookies: httpx.Cookies | None) -> None:
        with httpx.Client(timeout=60, follow_redirects=False, cookies=cookies) as client:
            number = 0
            while not self._stop.is_set():
                number += 1
                try:
                    work(client, number)
                except AssertionError as exc:
                    with self._lock:
                        self.failures.append(str(exc))
                except Exception as exc:  # any error is a failed request, recorded
                    with self._lock:
                        self.failures.append(f"{work.__name__}: {type(exc).__name__}: {exc}")
                time.sleep(0.02)

    def _ok(self, replica: str) -> None:
        with self._lock:
            self.counts[replica] = self.counts.get(replica, 0) + 1

    def _read_catalogue(self, client: httpx.Client, number: int) -> None:
        with self.pool.replica() as (name, url):
            response = client.get(f"{url}/catalogue-products")
        assert response.status_code == 200 and "Sign out" in response.text, (
            f"catalogue on {name}: {response.status_code} {response.headers.get('location', '')}")
        self._ok(name)

    def _write_products(self, client: httpx.Client, number: int) -> None:
        product = f"rolling-{uuid.uuid4().hex[:10]}"
        with self.pool.replica() as (name, url):
            response = client.post(f"{url}/portal-api/products", headers={"Authorization": self.admin_token},
                                   json={"Name": product, "DisplayName": product.title()})
        assert response.status_code in (200, 201), f"product on {name}: {response.status_code} {response.text[:300]}"
        with self._lock:
            self.products.add(product.title())
        self._ok(name)

    def _sign_up(self, client: httpx.Client, number: int) -> None:
        email = f"rolling-{uuid.uuid4().hex[:10]}@example.com"
        # Each visitor from an address of its own (the replicas trust 127.0.0.1 as their proxy), so
        # the per-network sign-up throttle sees visitors, not the test.
        headers = {"X-Forwarded-For": f"10.9.{number // 250 % 250}.{number % 250 + 1}"}
        visitor = httpx.Client(timeout=60, follow_redirects=False)
        with visitor:
            with self.pool.replica() as (name, url):
                form = visitor.get(url + SIGN_UP, headers=headers)
            assert form.status_code == 200, f"sign-up form on {name}: {form.status_code}"
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
            assert token, f"sign-up form on {name} has no CSRF token"
            data = {"email": email, "first_name": "Rolling", "last_name": "Visitor", "password": PASSWORD,
                    "password_again": PASSWORD, "csrfmiddlewaretoken": token[1]}
            with self.pool.replica() as (name, url):
                done = visitor.post(url + SIGN_UP, data=data, headers={**headers, "Referer": url + SIGN_UP})
        assert done.status_code == 302 and "/auth/password/register/done" in done.headers.get("location", ""), (
            f"sign-up on {name}: {done.status_code} {done.headers.get('location', '')} {done.text[:200]}")
        with self._lock:
            self.sign_ups.add(email)
        self._ok(name)


def sign_in(url: str, email: str, password: str) -> httpx.Cookies:
    """The cookies of a Live Portal session for `email`, signed in on the replica at `url`."""
    with httpx.Client(timeout=60, follow_redirects=False) as client:
        form = client.get(url + "/auth/password/login")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
        assert token, form.text[:300]
        done = client.post(url + "/auth/password/login", data={
            "email": email, "password": password, "csrfmiddlewaretoken": token[1]},
            headers={"Referer": url + "/auth/password/login"})
        assert done.status_code == 302, (done.status_code, done.text[:300])
        return httpx.Cookies(client.cookies)
