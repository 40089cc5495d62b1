import json

import pytest

from forecourt.accounts import services
from forecourt.accounts.models import Role, User
from forecourt.ops import crypto, readiness

from .support import browser as browser_support
from .support import databases, servers

# A test that skips itself for a reason not on the allow-list fails the run (tests/support/skip_policy.py).
from .support.skip_policy import (  # noqa: F401 (pytest hooks, registered by being here)
    pytest_collectreport,
    pytest_configure,
    pytest_runtest_logreport,
    pytest_sessionfinish,
    pytest_terminal_summary,
)

PASSWORD = "correct-horse-battery-staple"

# What reaches the database under test: pytest-django's database fixtures and ours that make a
# throw-away database of the engine (and everything built on them).
ENGINE_FIXTURES = {"db", "transactional_db", "live_server", "django_db_reset_sequences",
                   "django_db_serialized_rollback", "fresh_db", "child_env", "migrated_db",
                   "migrated_env", "start_server"}


def reaches_the_database(item: pytest.Item) -> bool:
    """A test marked `one_engine` does not, whatever its fixtures: it starts processes (the module's
    `server` marker) whose behaviour no engine changes (TLS, the container's health check, a setting
    refused before any connection), or it reads archives and manifests only. The SQLite run runs it."""
    if item.get_closest_marker("one_engine"):
        return False
    return bool(ENGINE_FIXTURES & set(getattr(item, "fixturenames", ()))
                or item.get_closest_marker("django_db") or item.get_closest_marker("server"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With FORECOURT_ENGINE_TESTS_ONLY=1 (scripts/run-tests sets it for whole PostgreSQL and
    MariaDB runs), the tests that never reach the database run once, in the SQLite run, instead of
    three times: parsing, the sandbox, the simulator, the config loader give the same answer on
    every engine. A chosen test always runs."""
    import os

    if os.environ.get("FORECOURT_ENGINE_TESTS_ONLY") != "1":
        return
    keep = [item for item in items if reaches_the_database(item)]
    if len(keep) < len(items):
        config.hook.pytest_deselected(items=[item for item in items if not reaches_the_database(item)])
        items[:] = keep


@pytest.fixture(autouse=True)
def _secret_key():
    """A SECRET_KEY for in-process tests that sign in before any request has loaded the real one
    (as if this process had started; the real loading is tested with real servers)."""
    from django.conf import settings

    from forecourt.ops import secret

    if not secret.is_active():
        settings.SECRET_KEY = "in-process-tests-only-" + "x" * 40


@pytest.fixture(autouse=True)
def _fresh_readiness():
    """Each test starts as a process that has not yet checked the schema or read its encryption key
    (a key generated in an earlier test was rolled back with that test's database)."""
    readiness.reset()
    crypto.reset()
    yield
    readiness.reset()
    crypto.reset()


@pytest.fixture(autouse=True)
def _empty_page_cache():
    """Each test starts with an empty page cache: a rolled-back database returns to an earlier content
    revision, whose pages an earlier test may have cached with other content."""
    from django.core.cache import cache

    from forecourt.pagecache import revision, store

    cache.clear()
    store.reset()
    revision.forget()


@pytest.fixture
def admin(db) -> User:
    return services.bootstrap("admin@example.com", PASSWORD, "Ada", "Admin").user


@pytest.fixture
def consumer(db) -> User:
    organisation, team = services.ensure_default_organisation()
    user = User.objects.create_user("dev@example.com", PASSWORD, first_name="Dev", role=Role.CONSUMER_ADMIN,
                                    organisation=organisation)
    user.teams.add(team)
    return user


@pytest.fixture
def fresh_db(tmp_path):
    """PORTAL_* variables for an empty database of the engine under test, dropped afterwards."""
    with databases.fresh_database(tmp_path) as env:
        yield env


@pytest.fixture
def child_env(fresh_db, tmp_path):
    return servers.child_env(fresh_db, tmp_path)


@pytest.fixture
def migrated_db(tmp_path):
    """PORTAL_* variables for a database of the engine under test already at this code's schema (a copy
    of one migrated once per worker), dropped afterwards: for tests of a portal, not of migrating."""
    with databases.migrated_database(tmp_path) as env:
        yield env


@pytest.fixture
def migrated_env(migrated_db, tmp_path):
    """A child process's environment pointing at `migrated_db`."""
    return servers.child_env(migrated_db, tmp_path)


@pytest.fixture
def start_server(tmp_path):
    started: list[servers.Server] = []

    def start(env, *args, workers=1):
        server = servers.start(env, tmp_path, *args, workers=workers)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="module")
def chromium():
    """One headless chromium for a test module (tests/support/browser.py launches it): a launch takes a
    second or more, and each test opens contexts of its own in it. Playwright's sync API runs an event
    loop in this thread for as long as it lives, so the ORM must be allowed to run beside it
    (DJANGO_ALLOW_ASYNC_UNSAFE) for that long: the module, never the rest of the worker's session."""
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            launched = browser_support.launch(playwright)
            try:
                yield launched
            finally:
                launched.close()


@pytest.fixture
def browser(chromium, live_server):
    """The module's chromium for one test against Django's live server. After the test, the contexts it
    opened are closed (their pages would keep running into the next test), and so are the ORM's
    connections made beside Playwright's loop (Django keeps them per context; PostgreSQL would refuse
    to drop a test database still in use)."""
    from django.db import connections

    yield chromium
    for context in list(chromium.contexts):
        context.close()
    connections.close_all()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """In-process tests hash many passwords; the real hasher is exercised by the server tests."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def api(client, admin):
    """Call the Admin API as the super-admin: api("post", "/organisations", {"Name": "x"}, page=2)."""
    from forecourt.accounts import tokens

    token = tokens.issue(admin)

    def call(method, path, body=None, token=token, **params):
        kwargs = {"headers": {"Authorization": token} if token else {}}
        if body is not None:
            kwargs.update(data=body if isinstance(body, (str, bytes)) else json.dumps(body),
                          content_type="application/json")
        if params:
            path = f"{path}?" + "&".join(f"{k}={v}" for k, v in params.items())
        return getattr(client, method)(f"/portal-api{path}", **kwargs)

    return call
