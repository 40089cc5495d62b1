"""Throttles under concurrent requests: 40 tries at once, each thread a request with its own
database connection, check no more passwords, invite codes or e-mails than the rules allow.
On every engine: SQLite serialises the writers, PostgreSQL and MariaDB lock the row.

Checking and counting must be one step (accounts.throttle): were they two, every request would
pass the check before any of them was counted. The patched checks take a little time, as a real
password hash does, which is what leaves a window between a separate check and count.
"""

import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.backends import ModelBackend
from django.db import connection
from django.test import Client

from forecourt.accounts import signup, throttle
from forecourt.accounts.models import InviteCode, User
from forecourt.notify.models import EmailLog

from . import factories
from .conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

TRIES = 40
CHECK_TIME = 0.05  # seconds a patched check takes (longer than a real Argon2id hash, ~20 ms: a wider race window)
LIVE_SIGN_IN = "/auth/password/login"
ADMIN_SIGN_IN = "/portal-admin/sign-in/"
SIGN_UP = "/auth/password/register"
FORGOTTEN = "/auth/password/new"


class Counted:
    """A patched check: counts its calls (from any thread) and takes CHECK_TIME."""

    def __init__(self, original: Callable[..., Any]) -> None:
        self.original, self.calls, self._lock = original, 0, threading.Lock()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            self.calls += 1
        time.sleep(CHECK_TIME)
        return self.original(*args, **kwargs)


def at_once(request: Callable[[int], int]) -> Counter[int]:
    """Run request(i) for i in range(TRIES) in threads released together; their status codes."""
    barrier = threading.Barrier(TRIES)
    statuses: list[int] = []
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            statuses.append(request(i))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(TRIES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return Counter(statuses)


@pytest.fixture
def password_checks():
    counted = Counted(ModelBackend.authenticate)
    with mock.patch.object(ModelBackend, "authenticate", lambda *a, **kw: counted(*a, **kw)):
        yield counted


@pytest.mark.parametrize(("path", "field", "refused"), [(LIVE_SIGN_IN, "email", 400), (ADMIN_SIGN_IN, "username", 200)])
def test_concurrent_wrong_passwords_for_one_account_check_at_most_the_limit(consumer, password_checks, path, field,
                                                                             refused):
    statuses = at_once(lambda i: Client(REMOTE_ADDR=f"192.0.2.{i + 1}").post(
        path, {field: consumer.email, "password": "wrong"}).status_code)
    limit = throttle.SIGN_IN_ACCOUNT.limit
    assert password_checks.calls <= limit
    assert set(statuses) <= {refused, 429} and statuses[429] >= TRIES - limit
    # Locked: even the right password is not checked now.
    assert Client().post(path, {field: consumer.email, "password": PASSWORD}).status_code == 429
    assert password_checks.calls <= limit


def test_concurrent_wrong_passwords_from_one_client_check_at_most_its_limit(password_checks):
    statuses = at_once(lambda i: Client(REMOTE_ADDR="198.51.100.7").post(
        LIVE_SIGN_IN, {"email": f"guess{i}@example.com", "password": "wrong"}).status_code)
    limit = throttle.SIGN_IN_CLIENT.limit
    assert password_checks.calls <= limit
    assert set(statuses) <= {400, 429} and statuses[429] >= TRIES - limit


def test_concurrent_reset_requests_send_at_most_the_limit(consumer):
    at_once(lambda i: Client(REMOTE_ADDR=f"192.0.2.{i + 1}").post(FORGOTTEN, {"email": consumer.email}).status_code)
    assert EmailLog.objects.filter(template="password_reset").count() == throttle.RESET_ACCOUNT.limit


def _sign_up(i: int, client: str, **extra: str) -> int:
    return Client(REMOTE_ADDR=client).post(SIGN_UP, {
        "email": f"new{i}@example.com", "first_name": "Nina", "last_name": "New", "password": "a-brand-new-passphrase",
        "password_again": "a-brand-new-passphrase", **extra}).status_code


def test_concurrent_sign_ups_from_one_client_make_at_most_the_limit():
    statuses = at_once(lambda i: _sign_up(i, "198.51.100.7"))
    limit = throttle.SIGN_UP_CLIENT.limit
    assert User.objects.count() == statuses[302] == limit
    assert statuses[429] == TRIES - limit


@pytest.fixture
def code_checks():
    counted = Counted(signup.usable_invite_code)
    with mock.patch.object(signup, "usable_invite_code", counted):
        yield counted


def test_concurrent_wrong_invite_codes_from_one_client_are_checked_at_most_its_limit(code_checks):
    statuses = at_once(lambda i: _sign_up(i, "198.51.100.7", invite_code=f"{i:04d}-wrong-code"))
    limit = throttle.INVITE_CODE_CLIENT.limit
    assert code_checks.calls <= limit
    assert set(statuses) <= {400, 429} and statuses[429] >= TRIES - limit
    assert not User.objects.exists()


def test_concurrent_guesses_at_one_codes_ending_are_checked_at_most_the_prefix_limit(code_checks):
    org = factories.organisation()
    real = InviteCode.objects.create(organisation=org, team=org.teams.get(), code="abcdEFGHijklMNOP")
    prefix = real.code[:throttle.INVITE_CODE_PREFIX_LENGTH]
    statuses = at_once(lambda i: _sign_up(i, f"192.0.2.{i + 1}", invite_code=f"{prefix}guess{i}"))
    limit = throttle.INVITE_CODE_PREFIX.limit
    assert code_checks.calls <= limit
    assert set(statuses) <= {400, 429} and statuses[429] >= TRIES - limit
    # The code's beginning is locked for everyone now, the real code included; other codes are not.
    assert _sign_up(99, "203.0.113.9", invite_code=real.code) == 429
    other = InviteCode.objects.create(organisation=org, team=org.teams.get(), code="wxyzEFGHijklMNOP")
    assert _sign_up(100, "203.0.113.9", invite_code=other.code) == 302
