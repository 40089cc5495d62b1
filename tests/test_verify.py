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
if args["invited"]:  # a consumer who has not chosen a password yet: cannot sign in
    User.objects.create_user("invited@example.com", None, role=Role.CONSUMER_TEAM_MEMBER)
if args["consumer"]:
    organisation, team = services.ensure_default_organisation()
    user = User.objects.create_user("dev@example.com", "a-long-passphrase", role=Role.CONSUMER_ADMIN,
                                    organisation=organisation)
    user.teams.add(team)
if args["dashboard"]:
    Provider.objects.create(name="Tyk", url=args["dashboard"], secret=args["secret"], org_id=args["org"],
                            policy_tags=["portal"])
public = Catalogue.objects.create(name="Public", visibility="public")
shown = Product.objects.create(name="weather", display_name="Weather & Climate API", slug="weather", published=True)
draft = Product.objects.create(name="draft", display_name="Unpublished Draft", slug="draft", published=False)
public.products.add(shown, draft)
"""


def seed(env, cwd, dashboard, consumer=True, invited=False):
    args = json.dumps({"consumer": consumer, "invited": invited, "dashboard": dashboard.url if dashboard else None,
                       "secret": SECRET, "org": ORG_ID})
    done = subprocess.run([sys.executable, "-c", SEED, args], env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr


def prepare(env, cwd, dashboard, consumer=True, invited=False):
    """Bootstrapped (on a migrated database), with a published product; a provider at `dashboard`
    unless None, the consumer dev@example.com unless consumer=False."""
    done = servers.run(["bootstrap", "--email", "admin@example.com", "--password", PASSWORD], env, cwd)
    assert done.returncode == 0, done.stderr
    seed(env, cwd, dashboard, consumer, invited)


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


def test_a_healthy_portal_passes_every_check_and_the_checks_leave_no_trace(migrated_env, start_server, tmp_path):
    env = {**migrated_env, "PORTAL_PUBLIC_URL": "https://portal.example.com"}
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
    assert result["exit_status"] == 0
    assert result["summary"] == {"passed": 7, "not_checked": 0, "not_applicable": 0, "failed": 0}
    assert result["not_checked"] == []
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
    assert lines[-1] == "7 passed, 0 not checked, 0 not applicable, 0 failed"
    assert len(lines) == 8


@pytest.mark.one_engine  # pages, theme, log, sign-in, exit codes: the checks' rows are the other tests'
def test_an_unhealthy_portal_fails_with_the_reasons(migrated_env, start_server, tmp_path):
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
    env = {**migrated_env, "PORTAL_THEMING_PATH": str(tmp_path / "themes"), "PORTAL_THEMING_THEME": "broken"}
    with running() as dashboard:  # seeded: a product policy references an API that was deleted
        prepare(env, tmp_path, dashboard, consumer=False)
        server = start_server(env)
        server.wait_for("/ready", 200)
        assert server.get("/").status_code == 200  # the broken home page: rendered with the default's, logged
        code, result, checks = verify(env, tmp_path, "--url", server.url)

    assert code == 1
    assert result["ok"] is False
    assert result["summary"] == {"passed": 4, "not_checked": 0, "not_applicable": 0, "failed": 3}
    assert checks["admin-portal"]["status"] == "PASS"
    assert checks["admin-sign-in"]["status"] == "PASS"
    # No consumer: a temporary one signed in.
    assert checks["consumer-sign-in"]["status"] == "PASS"
    assert checks["consumer-sign-in"]["data"] == {"temporary": True}
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
    # A failure is exit 1 even when a check was also not made.
    users = databases.execute(env, "SELECT id, email FROM accounts_user ORDER BY id")
    code, result, checks = verify(env, tmp_path, "--url", f"http://127.0.0.1:{servers.free_port()}")
    assert code == 1
    assert checks["consumer-sign-in"]["status"] == "FAIL"
    assert checks["consumer-sign-in"]["detail"].startswith("the Live Portal does not answer")
    # The temporary consumer was made, its sign-in could not be tried, and it is gone.
    assert databases.execute(env, "SELECT id, email FROM accounts_user ORDER BY id") == users
    code, result, checks = verify(env, tmp_path, "--url", f"http://127.0.0.1:{servers.free_port()}",
                                  "--no-throwaway-consumer")
    assert (code, result["exit_status"]) == (1, 1)
    assert checks["consumer-sign-in"]["status"] == "SKIP"
    assert checks["admin-portal"]["status"] == "FAIL"
    assert "does not answer" in checks["admin-portal"]["detail"]
    assert "no record of the log since start-up" in checks["log"]["detail"]


@pytest.mark.one_engine  # pages, theme, log, sign-in, exit codes: the checks' rows are the other tests'
def test_a_named_admin_who_is_deactivated_cannot_sign_in(migrated_env, start_server, tmp_path):
    env = {**migrated_env, "PORTAL_PUBLIC_URL": "https://portal.example.com"}
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


# -- what was not checked, and the temporary consumer ------------------------------------------------

COUNT_ROWS = """
import json, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forecourt.settings")
import django
django.setup()
from django.apps import apps
print(json.dumps({m._meta.db_table: m._base_manager.count() for m in apps.get_models(include_auto_created=True)}))
"""


def rows_per_table(env, cwd):
    """The number of rows of every table Django knows (m2m tables included)."""
    done = subprocess.run([sys.executable, "-c", COUNT_ROWS], env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    counts = json.loads(done.stdout)
    assert {"accounts_user", "accounts_user_teams", "django_session", "audit_auditentry", "notify_emaillog",
            "jobs_job"} <= set(counts)
    return counts


# `forecourt verify` with its secrets recorded (to a file, not the output) so that a test can look
# for them in what it printed; "fail-create" makes the temporary consumer's INSERT fail after it ran,
# "fail-delete" its deletion. The life-cycle modules import models, so they are patched once the
# command has set Django up (django.setup() wrapped), not before.
RECORDING = """
import json, os, sys
import django
mode, record = sys.argv[1], sys.argv[2]
sys.argv = ["forecourt", *sys.argv[3:]]
seen = {"sessions": [], "consumers": []}
real_create = real_mint = None

def create():
    from forecourt.accounts.models import User
    if mode == "fail-create":
        real_save = User.save
        def save(self, *args, **kwargs):
            real_save(self, *args, **kwargs)
            raise RuntimeError("disk I/O error")
        User.save = save
    user = real_create()
    stored = User.objects.get(pk=user.pk)
    seen["consumers"].append({"email": stored.email, "password": stored.password, "active": stored.is_active,
                              "usable_password": stored.has_usable_password(), "role": stored.role,
                              "organisation": stored.organisation_id, "teams": stored.teams.count()})
    return user

def mint(user):
    store = real_mint(user)
    seen["sessions"].append({"key": store.session_key, "hash": user.get_session_auth_hash(), "user": user.email})
    return store

def fail_delete(user):
    raise RuntimeError("the database went away")

real_setup = django.setup

def setup(*args, **kwargs):
    global real_create, real_mint
    real_setup(*args, **kwargs)
    from forecourt.lifecycle import throwaway, verify
    real_create, real_mint = throwaway._create, verify._mint_session
    throwaway._create, verify._mint_session = create, mint
    if mode == "fail-delete":
        throwaway._delete = fail_delete

django.setup = setup
from forecourt.cli import main
try:
    main()
finally:
    with open(record, "w") as f:
        json.dump(seen, f)
"""


def recorded_verify(env, cwd, mode, *args):
    record = cwd / "recorded.json"
    done = subprocess.run([sys.executable, "-c", RECORDING, mode, str(record), "verify", *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=120, check=False)
    assert record.exists(), done.stderr
    return done, json.loads(record.read_text())


def test_without_a_consumer_a_temporary_one_signs_in_and_leaves_no_row_behind(migrated_env, start_server, tmp_path):
    env = {**migrated_env, "PORTAL_PUBLIC_URL": "https://portal.example.com"}
    prepare(env, tmp_path, None, consumer=False, invited=True)  # no provider; an invited consumer only
    server = start_server(env, "--no-jobs")
    server.wait_for("/ready", 200)
    before, users = rows_per_table(env, tmp_path), traces(env)

    done, seen = recorded_verify(env, tmp_path, "", "--url", server.url)
    shown = json.loads(recorded_verify(env, tmp_path, "", "--url", server.url, "--json")[0].stdout)

    assert rows_per_table(env, tmp_path) == before
    assert traces(env) == users
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[2].startswith("PASS  consumer-sign-in  a temporary consumer can sign in: the Live Portal's "
                               "dashboard answers their session (no active consumer account with a password")
    assert lines[3] == "N/A   providers         no provider is configured: there is nothing to synchronise"
    assert lines[-1] == "6 passed, 0 not checked, 1 not applicable, 0 failed"
    # It existed as an active consumer nobody could sign in as, in nobody's organisation or team.
    [consumer] = seen["consumers"]
    assert consumer["email"].endswith("@verify.invalid")
    assert (consumer["active"], consumer["usable_password"], consumer["role"]) == (True, False,
                                                                                   "consumer-team-member")
    assert consumer["password"].startswith("!") and len(consumer["password"]) > 20
    assert (consumer["organisation"], consumer["teams"]) == (None, 0)
    # Its password, its session and the admin's never appear in what the command printed.
    assert {s["user"] for s in seen["sessions"]} == {"admin@example.com", consumer["email"]}
    secrets = [consumer["password"], consumer["password"][1:]] + [v for s in seen["sessions"]
                                                                  for v in (s["key"], s["hash"])]
    for secret in secrets:
        assert secret not in done.stdout + done.stderr

    assert shown["summary"] == {"passed": 6, "not_checked": 0, "not_applicable": 1, "failed": 0}
    assert (shown["ok"], shown["exit_status"], shown["not_checked"]) == (True, 0, [])
    checks = {c["name"]: c for c in shown["checks"]}
    assert checks["providers"] == {"name": "providers", "status": "N/A",
                                   "detail": "no provider is configured: there is nothing to synchronise",
                                   "data": {}}
    assert checks["consumer-sign-in"]["data"] == {"temporary": True}


@pytest.mark.one_engine  # pages, theme, log, sign-in, exit codes: the checks' rows are the other tests'
def test_a_check_not_made_exits_3_unless_allowed(migrated_env, start_server, tmp_path):
    env = {**migrated_env, "PORTAL_PUBLIC_URL": "https://portal.example.com"}
    prepare(env, tmp_path, None, consumer=False)
    databases.execute(env, "UPDATE catalog_product SET published = FALSE")  # nothing to look for in the catalogue
    server = start_server(env, "--no-jobs")
    server.wait_for("/ready", 200)
    before = rows_per_table(env, tmp_path)

    text = servers.run(["verify", "--url", server.url, "--no-throwaway-consumer"], env, tmp_path)
    code, result, checks = verify(env, tmp_path, "--url", server.url, "--no-throwaway-consumer")
    allowed = servers.run(["verify", "--url", server.url, "--no-throwaway-consumer", "--allow-skip"], env, tmp_path)
    allowed_json = json.loads(servers.run(["verify", "--url", server.url, "--no-throwaway-consumer", "--allow-skip",
                                           "--json"], env, tmp_path).stdout)
    assert rows_per_table(env, tmp_path) == before

    why = ("no active consumer account with a password to sign in as, and --no-throwaway-consumer refused a "
           "temporary one: name one with --consumer EMAIL")
    assert text.returncode == 3, text.stdout + text.stderr
    lines = text.stdout.splitlines()
    assert lines[2] == f"SKIP  consumer-sign-in  {why}"
    assert lines[3].startswith("N/A   providers")
    assert lines[7:] == ["5 passed, 1 not checked, 1 not applicable, 0 failed",
                         "Not checked (exit 3; --allow-skip accepts it):",
                         f"  consumer-sign-in: {why}"]

    assert (code, result["exit_status"], result["ok"]) == (3, 3, False)
    assert result["summary"] == {"passed": 5, "not_checked": 1, "not_applicable": 1, "failed": 0}
    assert result["not_checked"] == [{"name": "consumer-sign-in", "detail": why}]
    assert checks["consumer-sign-in"]["status"] == "SKIP"
    assert checks["catalogue"]["status"] == "PASS"
    assert checks["catalogue"]["detail"] == ("the catalogue answers; no product is published in a public catalogue, "
                                             "so none is looked for")

    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
    assert allowed.stdout.splitlines()[7:] == ["5 passed, 1 not checked, 1 not applicable, 0 failed",
                                               "Not checked (accepted with --allow-skip):",
                                               f"  consumer-sign-in: {why}"]
    assert (allowed_json["ok"], allowed_json["exit_status"]) == (True, 0)
    assert allowed_json["not_checked"] == result["not_checked"]


def test_a_temporary_consumer_that_cannot_be_made_or_deleted_fails_saying_so(migrated_env, start_server, tmp_path):
    env = {**migrated_env, "PORTAL_PUBLIC_URL": "https://portal.example.com"}
    prepare(env, tmp_path, None, consumer=False)
    server = start_server(env, "--no-jobs")
    server.wait_for("/ready", 200)
    before = rows_per_table(env, tmp_path)

    done, seen = recorded_verify(env, tmp_path, "fail-create", "--url", server.url, "--allow-skip")

    assert rows_per_table(env, tmp_path) == before
    assert seen["consumers"] == []
    assert done.returncode == 1, done.stdout + done.stderr  # a failure, which --allow-skip does not excuse
    assert ("FAIL  consumer-sign-in  no active consumer account with a password to sign in as: a temporary consumer "
            "could not be created: disk I/O error") in done.stdout.splitlines()
    assert done.stdout.splitlines()[-1] == "5 passed, 0 not checked, 1 not applicable, 1 failed"

    # Made, used, but not deleted: a failure that names it, so that it can be deleted by hand.
    done, seen = recorded_verify(env, tmp_path, "fail-delete", "--url", server.url)
    [consumer] = seen["consumers"]
    assert done.returncode == 1, done.stdout + done.stderr
    assert (f"FAIL  consumer-sign-in  no active consumer account with a password to sign in as: the temporary "
            f"consumer {consumer['email']} could not be deleted (the database went away): delete it in the Admin "
            "Portal's Users") in done.stdout.splitlines()
    assert consumer["password"] not in done.stdout + done.stderr
    assert databases.execute(env, "SELECT email FROM accounts_user WHERE email LIKE '%@verify.invalid'") == [
        (consumer["email"],)]
