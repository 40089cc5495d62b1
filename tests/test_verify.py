"""`forecourt verify` against a real `forecourt serve`: the guide's post-upgrade checks, and no trace left."""

import json
import subprocess
import sys

import pytest

from . import themes_support
from .conftest import PASSWORD
from .support import databases, servers
from .support.tyk import ORG_ID, SECRET, running, simulator

pytestmark = pytest.mark.server

SEED = """
import json, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forecourt.settings")
import django
django.setup()
from forecourt.accounts import services
from forecourt.accounts.models import Role, User
from forecourt.catalog.models import Catalogue, Product
from forecourt.providers.models import Provider
args = json.loads(sys.argv[1])
if args["consumer"]:
    organisation, team = services.ensure_default_organisation()
    user = User.objects.create_user("dev@example.com", "a-long-passphrase", role=Role.CONSUMER_ADMIN,
                                    organisation=organisation)
    user.teams.add(team)
Provider.objects.create(name="Tyk", url=args["dashboard"], secret=args["secret"], org_id=args["org"],
                        policy_tags=["portal"])
public = Catalogue.objects.create(name="Public", visibility="public")
shown = Product.objects.create(name="weather", display_name="Weather & Climate API", slug="weather", published=True)
draft = Product.objects.create(name="draft", display_name="Unpublished Draft", slug="draft", published=False)
public.products.add(shown, draft)
"""


def seed(env, cwd, dashboard, consumer=True):
    args = json.dumps({"consumer": consumer, "dashboard": dashboard.url, "secret": SECRET, "org": ORG_ID})
    done = subprocess.run([sys.executable, "-c", SEED, args], env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr


def prepare(env, cwd, dashboard, consumer=True):
    assert servers.run(["migrate"], env, cwd).returncode == 0
    done = servers.run(["bootstrap", "--email", "admin@example.com", "--password", PASSWORD], env, cwd)
    assert done.returncode == 0, done.stderr
    seed(env, cwd, dashboard, consumer)


def clean_dashboard(dashboard):
    dashboard.add_api({"api_id": "weather1", "name": "Weather", "use_standard_auth": True,
                       "proxy": {"listen_path": "/weather/", "target_url": "https://weather.example.com",
                                 "strip_listen_path": True}})
    dashboard.add_policy(simulator._portal_policy("Weather Product", product=True,
                                                  rights={"weather1": simulator._right("weather1", "Weather")}))
    dashboard.add_policy(simulator._portal_policy("Free Plan", product=False, rate=10, per=60, quota_max=1000))


def verify(env, cwd, *args):
    done = servers.run(["verify", "--json", *args], env, cwd)
    assert done.stdout.strip().startswith("{"), done.stderr
    result = json.loads(done.stdout)
    return done.returncode, result, {c["name"]: c for c in result["checks"]}


def traces(env):
    """What a sign-in would leave behind: sessions, last-login times, audit entries, API tokens."""
    return {table: sorted(map(repr, databases.execute(env, sql))) for table, sql in {
        "sessions": "SELECT session_key, session_data FROM django_session",
        "users": "SELECT id, email, last_login, is_active FROM accounts_user",
        "audit": "SELECT * FROM audit_auditentry",
        "tokens": "SELECT * FROM accounts_apitoken",
    }.items()}


def test_a_healthy_portal_passes_every_check_and_the_checks_leave_no_trace(child_env, start_server, tmp_path):
    env = {**child_env, "PORTAL_PUBLIC_URL": "https://portal.example.com"}
    with running(seed=False) as dashboard:
        clean_dashboard(dashboard)
        prepare(env, tmp_path, dashboard)
        server = start_server(env)
        server.wait_for("/ready", 200)
        before = traces(env)

        code, result, checks = verify(env, tmp_path, "--url", server.url)
        after = traces(env)
        text = servers.run(["verify", "--url", server.url], env, tmp_path)

    assert code == 0, result
    assert result["ok"] is True
    assert {name: c["status"] for name, c in checks.items()} == {
        "admin-portal": "PASS", "admin-sign-in": "PASS", "consumer-sign-in": "PASS", "providers": "PASS",
        "catalogue": "PASS", "theme": "PASS", "log": "PASS"}
    assert checks["admin-sign-in"]["data"] == {"user": "admin@example.com"}
    assert checks["consumer-sign-in"]["data"] == {"user": "dev@example.com"}
    assert checks["catalogue"]["data"] == {"products": ["Weather & Climate API"]}
    assert checks["providers"]["data"]["providers"][0]["problems"] == []
    # The sign-in checks made sessions and deleted them: nothing of theirs is left.
    assert after == before
    # The provider really synchronised.
    assert databases.execute(env, "SELECT name FROM catalog_product WHERE name = 'Weather Product'")

    assert text.returncode == 0, text.stdout + text.stderr
    lines = text.stdout.splitlines()
    assert [line.split()[0] for line in lines[:7]] == ["PASS"] * 7
    assert lines[-1] == "7 of 7 checks passed or were skipped"


def test_an_unhealthy_portal_fails_with_the_reasons(child_env, start_server, tmp_path):
    theme = tmp_path / "themes" / "broken"
    for path, content in themes_support.theme_files().items():
        target = theme / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    manifest = json.loads((theme / "theme.json").read_text())
    (theme / "theme.json").write_text(json.dumps({**manifest, "name": "broken"}))
    (theme / "views" / "home.html").write_text("{% extends layout %}{% block content %}{{ 1 | no_such }}"
                                               "{% endblock %}")
    # No PublicURL: serve logs a WARNING at start, which the log check finds.
    env = {**child_env, "PORTAL_THEMING_PATH": str(tmp_path / "themes"), "PORTAL_THEMING_THEME": "broken"}
    with running() as dashboard:  # seeded: a product policy references an API that was deleted
        prepare(env, tmp_path, dashboard, consumer=False)
        server = start_server(env)
        server.wait_for("/ready", 200)
        assert server.get("/").status_code == 200  # the broken home page: rendered with the default's, logged
        code, result, checks = verify(env, tmp_path, "--url", server.url)

    assert code == 1
    assert result["ok"] is False
    assert checks["admin-portal"]["status"] == "PASS"
    assert checks["admin-sign-in"]["status"] == "PASS"
    assert checks["consumer-sign-in"]["status"] == "SKIP"
    assert checks["providers"]["status"] == "FAIL"
    assert "policy Retired Product: it references the API" in checks["providers"]["detail"]
    assert checks["theme"]["status"] == "FAIL"
    assert "views/home.html" in checks["theme"]["detail"]
    assert checks["log"]["status"] == "FAIL"
    assert "PublicURL (PORTAL_PUBLIC_URL) is not set" in checks["log"]["detail"]
    # Records of the supervisor and of the web worker that rendered the broken page.
    records = checks["log"]["data"]["records"]
    assert {(r["level"], r["logger"]) for r in records} >= {("WARNING", "forecourt.startup"),
                                                           ("ERROR", "forecourt.themes")}
    assert len({r["pid"] for r in records}) >= 2

    # Nothing answers at this address: the portal checks fail and say why; the database checks still run.
    code, result, checks = verify(env, tmp_path, "--url", f"http://127.0.0.1:{servers.free_port()}")
    assert code == 1
    assert checks["admin-portal"]["status"] == "FAIL"
    assert "does not answer" in checks["admin-portal"]["detail"]
    assert "no record of the log since start-up" in checks["log"]["detail"]


def test_a_named_admin_who_is_deactivated_cannot_sign_in(child_env, start_server, tmp_path):
    env = {**child_env, "PORTAL_PUBLIC_URL": "https://portal.example.com"}
    with running(seed=False) as dashboard:
        clean_dashboard(dashboard)
        prepare(env, tmp_path, dashboard)
    databases.execute(env, "UPDATE accounts_user SET is_active = FALSE WHERE email = 'dev@example.com'")
    server = start_server(env, "--no-jobs")
    server.wait_for("/ready", 200)
    done = servers.run(["verify", "--url", server.url, "--consumer", "dev@example.com",
                        "--admin", "nobody@example.com"], env, tmp_path)
    assert done.returncode == 1
    assert "FAIL  admin-sign-in     there is no admin nobody@example.com" in done.stdout
    assert "FAIL  consumer-sign-in  dev@example.com is deactivated" in done.stdout
