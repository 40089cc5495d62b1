"""/live, /ready and the start-up gate, in process (the server tests cover them end to end)."""

import pytest

import forecourt
from forecourt.ops import readiness


@pytest.fixture
def unapplied_migration(monkeypatch):
    """Make this process believe the code has a migration the database lacks."""
    expected = set(readiness._expected_migrations()) | {("accounts", "9999_from_the_future")}
    monkeypatch.setattr(readiness, "_expected", expected)


@pytest.mark.django_db
def test_live_is_cheap_and_uncached(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"
    assert client.head("/live").status_code == 200


@pytest.mark.parametrize("path", ["/live", "/ready"])
def test_probes_take_only_get_and_head(client, path):
    response = client.post(path)
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"


@pytest.mark.django_db
def test_ready_when_the_schema_is_current(client):
    response = client.get("/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": forecourt.__version__,
                               "checks": {"database": "ok", "migrations": "ok", "startup": "ok"}}


@pytest.mark.django_db
def test_ready_after_start_costs_one_query(client, django_assert_num_queries):
    client.get("/ready")
    with django_assert_num_queries(1):
        assert client.get("/ready").status_code == 200


@pytest.mark.django_db
def test_pending_migration_keeps_ready_503_and_pages_503(client, unapplied_migration):
    ready = client.get("/ready")
    assert ready.status_code == 503
    assert ready.json()["checks"] == {"database": "ok", "migrations": "pending: 1 not applied",
                                      "startup": "pending"}
    page = client.get("/portal-admin/sign-in/")
    assert page.status_code == 503
    assert page["Retry-After"] == "5"
    assert page.json()["errors"] == ["Forecourt is starting; try again shortly."]
    static = client.get("/static/adminportal/admin.css")  # static files are served while starting
    assert static.status_code == 200
    static.close()


@pytest.mark.django_db
def test_expected_503_is_not_logged_as_an_error(client, unapplied_migration, caplog):
    client.get("/ready")
    client.get("/portal-admin/sign-in/")
    assert [r for r in caplog.records if r.levelname in ("WARNING", "ERROR")] == []


@pytest.mark.django_db
def test_unreachable_database_is_reported(client, monkeypatch):
    monkeypatch.setattr(readiness, "_ping", lambda using: ("unreachable (OperationalError; see the log)", None))
    response = client.get("/ready")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "unreachable (OperationalError; see the log)",
                                         "migrations": "unknown", "startup": "unknown"}


@pytest.mark.django_db
def test_ready_never_shows_where_the_database_is(client, caplog, tmp_path, monkeypatch):
    """/ready is public: a real connection that fails (a closed port on the engine under test, an
    SQLite file in a folder that does not exist) is reported by its kind only; the driver's text,
    which names the host, port, user, database or path, goes to the log."""
    from django.db import connections
    from django.db.utils import load_backend

    from .support import servers

    settings = dict(connections["default"].settings_dict)
    if settings["ENGINE"].endswith("sqlite3"):
        settings["NAME"] = str(tmp_path / "no-such-folder" / "secret-place.db")
        telltales, logged = ["no-such-folder", "secret-place"], "unable to open database file"
    else:
        settings.update(HOST="127.0.0.1", PORT=str(servers.free_port()), USER="portal_reader")
        telltales = [settings["PORT"], "127.0.0.1", "portal_reader"]
        logged = "127.0.0.1"  # PostgreSQL names the port too, MariaDB only the host
    closed = load_backend(settings["ENGINE"]).DatabaseWrapper(settings, alias="closed")
    monkeypatch.setattr(readiness, "connections", {"closed": closed})
    try:
        ready, checks = readiness.check(using="closed")
    finally:
        closed.close()
        monkeypatch.undo()
    assert not ready
    assert checks["database"].startswith("unreachable (") and checks["database"].endswith("; see the log)")
    assert not [t for t in telltales if t in str(checks)], checks
    assert logged in caplog.text  # the operator still learns why, from the log
    # /ready's own answer names nothing either: the default connection is fine here.
    assert not [t for t in telltales if t in client.get("/ready").content.decode()]
