"""Writes that do not block (issue 15, item 5), in process: password hashes made before any
transaction opens, Admin API tokens' `last_used_at` written at most once a minute, and a database
that cannot store anything (read-only, full disk) answered with 503 and a clear message.

The concurrent sign-ups over HTTP against a real `forecourt serve` are in test_writes_server.py.
"""

from datetime import timedelta

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.db import connection, transaction
from django.db.utils import OperationalError
from django.test import Client
from django.utils import timezone

from forecourt.accounts import invitations, signup, tokens
from forecourt.accounts import services as accounts
from forecourt.accounts.models import ApiToken, Invitation, Organisation, Role, User
from forecourt.ops import readiness, storage_errors

from . import factories
from .conftest import PASSWORD

NEW_PASSWORD = "a-new-Password-42"


# --- password hashes before the transaction --------------------------------------------------------

@pytest.fixture
def hashes_in_transactions(monkeypatch):
    """Record, for every password hashed, whether a transaction was open at that moment."""
    seen: list[bool] = []
    encode = MD5PasswordHasher.encode

    def watched(self, password, salt):
        seen.append(connection.in_atomic_block)
        return encode(self, password, salt)

    monkeypatch.setattr(MD5PasswordHasher, "encode", watched)
    return seen


@pytest.mark.django_db(transaction=True)
def test_bootstrap_hashes_before_its_transaction(hashes_in_transactions):
    user = accounts.bootstrap("first@example.com", PASSWORD).user
    assert hashes_in_transactions == [False]
    assert User.objects.get(pk=user.pk).check_password(PASSWORD)


@pytest.mark.django_db(transaction=True)
def test_sign_up_hashes_before_its_transaction_for_a_new_and_a_taken_address(hashes_in_transactions):
    details = signup.SignUp("new@example.com", "Nina", "New", NEW_PASSWORD)
    assert signup.sign_up(details, "https://portal.example.com") == "review"
    assert hashes_in_transactions == [False]
    assert User.objects.get(email="new@example.com").check_password(NEW_PASSWORD)
    hashes_in_transactions.clear()
    # A taken address does the same hashing, so the time taken says nothing about the address.
    signup.sign_up(signup.SignUp("NEW@example.com", "Nina", "Again", "other-Password-43"), "https://portal.example.com")
    assert hashes_in_transactions == [False]
    assert User.objects.filter(email__iexact="new@example.com").count() == 1


@pytest.mark.django_db(transaction=True)
def test_accepting_an_invitation_hashes_before_its_transaction(hashes_in_transactions):
    org = factories.organisation("Acme")
    inviter = factories.consumer(org, role=Role.CONSUMER_ADMIN)
    team = factories.team(org)
    invitations.invite(inviter, "friend@example.com", "Fay", "Friend", Role.CONSUMER_TEAM_MEMBER, team,
                "https://portal.example.com")
    hashes_in_transactions.clear()
    user = invitations.accept_invitation(Invitation.objects.get(), "Fay", "Friend", NEW_PASSWORD)
    assert hashes_in_transactions == [False]
    assert user.check_password(NEW_PASSWORD) and user.is_active


@pytest.mark.django_db(transaction=True)
def test_create_user_takes_a_ready_hash_or_a_password():
    from django.contrib.auth.hashers import make_password

    made = User.objects.create_user("a@example.com", password_hash=make_password(NEW_PASSWORD))
    assert User.objects.get(pk=made.pk).check_password(NEW_PASSWORD)
    plain = User.objects.create_user("b@example.com", NEW_PASSWORD)
    assert User.objects.get(pk=plain.pk).check_password(NEW_PASSWORD)
    assert not User.objects.create_user("c@example.com").has_usable_password()


# --- Admin API tokens: last_used_at at most once a minute --------------------------------------------

@pytest.mark.django_db
def test_token_use_is_recorded_at_most_once_a_minute(admin):
    token = tokens.rotate(admin)  # the only one
    row = ApiToken.objects.get(user=admin)
    assert row.last_used_at is None
    assert tokens.owner(token) == admin
    first = ApiToken.objects.get(pk=row.pk).last_used_at
    assert first is not None
    assert tokens.owner(token) == admin  # within the minute: nothing written
    assert ApiToken.objects.get(pk=row.pk).last_used_at == first
    later = first + tokens.LAST_USED_PRECISION + timedelta(seconds=1)
    assert tokens.record_use(row.pk, first, now=later) is True
    assert ApiToken.objects.get(pk=row.pk).last_used_at == later


@pytest.mark.django_db
def test_concurrent_token_uses_write_once(admin):
    """Callers that all read the same stale value: only the first conditional UPDATE matches."""
    tokens.rotate(admin)
    row = ApiToken.objects.get(user=admin)
    now = timezone.now()
    results = [tokens.record_use(row.pk, None, now=now + timedelta(seconds=i)) for i in range(5)]
    assert results == [True, False, False, False, False]
    assert ApiToken.objects.get(pk=row.pk).last_used_at == now


@pytest.mark.django_db
def test_a_fresh_token_use_costs_no_write(admin, django_assert_num_queries):
    token = tokens.issue(admin)
    tokens.owner(token)
    with django_assert_num_queries(1):  # the look-up only
        assert tokens.owner(token) == admin


# --- a database that cannot store anything -----------------------------------------------------------

@pytest.fixture(autouse=True)
def _forget_storage_errors():
    storage_errors.forget()
    yield
    storage_errors.forget()


def _set_read_only(on: bool) -> None:
    """Make this test's connection refuse writes the way the engine does for a read-only
    database, without touching the server's settings (other tests share it)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"PRAGMA query_only = {'ON' if on else 'OFF'}")
        elif connection.vendor == "postgresql":
            cursor.execute(f"SET default_transaction_read_only = {'on' if on else 'off'}")
        else:
            cursor.execute(f"SET SESSION TRANSACTION {'READ ONLY' if on else 'READ WRITE'}")


@pytest.fixture
def read_only():
    _set_read_only(True)
    yield
    _set_read_only(False)


@pytest.fixture
def full_disk():
    """SQLite with no room to grow: max_page_count at the file's size (this connection only), and
    the organisations table filled up to it."""
    if connection.vendor != "sqlite":
        pytest.skip("only SQLite's disk can be filled per connection (max_page_count)")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA page_count")
        pages = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA max_page_count = {pages + 2}")
    for i in range(100_000):
        try:
            with transaction.atomic():
                Organisation.objects.create(name=f"{i:06d}" + "x" * 240)
        except OperationalError as exc:
            assert storage_errors.classify(exc) == storage_errors.DISK_FULL
            break
    else:
        raise AssertionError("the database never filled up")
    yield
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA max_page_count = 4294967294")


def test_the_engines_errors_are_mapped():
    import sqlite3

    def wrapped(driver_exc):
        try:
            try:
                raise driver_exc
            except Exception as exc:
                raise OperationalError(str(exc)) from exc
        except OperationalError as outer:
            return outer

    full = sqlite3.OperationalError("database or disk is full")
    assert storage_errors.classify(wrapped(full)) == storage_errors.DISK_FULL
    assert storage_errors.classify(wrapped(sqlite3.OperationalError("attempt to write a readonly database"))) \
        == storage_errors.READ_ONLY
    assert storage_errors.classify(wrapped(sqlite3.OperationalError("database is locked"))) is None
    assert storage_errors.classify(OperationalError("no such table: x")) is None

    class PgError(Exception):
        def __init__(self, sqlstate):
            super().__init__("boom")
            self.sqlstate = sqlstate

    assert storage_errors.classify(wrapped(PgError("53100"))) == storage_errors.DISK_FULL
    assert storage_errors.classify(wrapped(PgError("25006"))) == storage_errors.READ_ONLY
    assert storage_errors.classify(wrapped(PgError("23505"))) is None

    mysql_error = type("OperationalError", (Exception,), {"__module__": "MySQLdb._exceptions"})
    assert storage_errors.classify(wrapped(mysql_error(1021, "Disk full"))) == storage_errors.DISK_FULL
    assert storage_errors.classify(wrapped(mysql_error(1290, "--read-only"))) == storage_errors.READ_ONLY
    assert storage_errors.classify(wrapped(mysql_error(1792, "READ ONLY transaction"))) == storage_errors.READ_ONLY
    assert storage_errors.classify(wrapped(mysql_error(1062, "Duplicate entry"))) is None


def _no_database_location(text: str) -> None:
    from django.conf import settings

    db = settings.DATABASES["default"]
    for secret in {str(db["NAME"]), str(db.get("HOST") or "127.0.0.1"), str(db.get("USER") or "")} - {""}:
        assert secret not in text


@pytest.mark.django_db(transaction=True)
def test_read_only_database_answers_503_on_pages_api_and_ready(admin):
    api_token = tokens.issue(admin)
    tokens.owner(api_token)  # recorded now, so the read below has nothing to write
    client = Client(raise_request_exception=False)
    client.get("/ready")  # started, as a running worker would be
    _set_read_only(True)
    try:
        page = client.post("/auth/password/register", {
            "email": "new@example.com", "first_name": "Nina", "last_name": "New",
            "password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
        assert page.status_code == 503
        assert page["Retry-After"] == str(storage_errors.RETRY_AFTER)
        assert "database is read-only" in page.content.decode()
        admin_page = client.post("/portal-admin/sign-in/", {"username": "admin@example.com", "password": "x"})
        assert admin_page.status_code == 503 and "database is read-only" in admin_page.content.decode()

        headers = {"Authorization": api_token}
        created = client.post("/portal-api/organisations", data={"Name": "Acme"}, content_type="application/json",
                              headers=headers)
        assert created.status_code == 503
        assert created.json() == {"status": "error", "errors": [storage_errors.MESSAGES[storage_errors.READ_ONLY]]}
        assert client.get("/portal-api/organisations", headers=headers).status_code == 200  # reads still work

        ready = client.get("/ready")
        assert ready.status_code == 503
        assert ready.json()["checks"]["database"].startswith("read-only")
        _no_database_location(ready.content.decode())
    finally:
        _set_read_only(False)
    assert not User.objects.filter(email="new@example.com").exists()
    assert not Organisation.objects.filter(name="Acme").exists()
    assert client.get("/ready").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_worker_starting_on_a_read_only_database_serves_reads(admin):
    client = Client(raise_request_exception=False)
    assert client.get("/ready").status_code == 200  # the instance secret exists
    readiness.reset()  # a new worker
    _set_read_only(True)
    try:
        ready = client.get("/ready")
        assert ready.status_code == 503
        assert ready.json()["checks"] == {"database": ready.json()["checks"]["database"], "migrations": "ok",
                                          "startup": "ok"}
        assert ready.json()["checks"]["database"].startswith("read-only")
        assert client.get("/auth/password/login").status_code == 200  # not "Forecourt is starting"
    finally:
        _set_read_only(False)
    assert client.get("/ready").status_code == 200


@pytest.mark.django_db
def test_full_disk_answers_503_in_the_api_and_ready_says_so(api, full_disk, caplog):
    client_count = Organisation.objects.count()
    response = api("post", "/organisations", {"Name": "999999" + "x" * 240})
    assert response.status_code == 503
    assert response.json() == {"status": "error", "errors": [storage_errors.MESSAGES[storage_errors.DISK_FULL]]}
    assert Organisation.objects.count() == client_count
    assert next(r.getMessage() for r in caplog.records if r.name == "forecourt.storage").startswith(
        "the database refused a write (disk full)")
    readiness.reset()
    ready = Client().get("/ready")
    assert ready.status_code == 503
    assert ready.json()["checks"]["database"].startswith("disk full")
    _no_database_location(ready.content.decode())


def test_an_error_outside_a_view_is_a_503_too(rf):
    from forecourt.themes import views

    request = rf.get("/portal-admin/")
    try:
        raise OperationalError("attempt to write a readonly database")
    except OperationalError:
        response = views.server_error(request)
    assert response.status_code == 503
    assert "database is read-only" in response.content.decode()
