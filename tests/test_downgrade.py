"""`forecourt downgrade --to VERSION`, run as an operator would, on a database of the engine under test.

The plan says what the older schema cannot keep (checked against counts worked out here from the
rows written), nothing changes without --yes, the downgrade keeps every row of the tables that
survive and leaves the migration table exactly at the release's state; refusals exit non-zero and
change nothing.
"""

import json
import os
import subprocess

import pytest

from forecourt.lifecycle import releases
from forecourt.themes import storage

from .support import databases, migration_child, servers

pytestmark = pytest.mark.server


def _cli(args, env, tmp_path, timeout=120):
    """The CLI with no terminal on stdin, as from a script or CI job."""
    return subprocess.run([*servers.FORECOURT, *args], env=env, cwd=tmp_path, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL, check=False)


def _migrations(env):
    return sorted(databases.execute(env, "SELECT app, name FROM django_migrations"))


def _with_a_value(rows, column, default):
    return sum(1 for row in rows.values() if row[column] is not None and row[column] != default)


def test_downgrade_to_0_3_0_reports_what_it_drops_then_keeps_every_other_row(migrated_env, tmp_path):
    filled, before, defaults = migration_child.steps(migrated_env, "fill:new", "snapshot", "defaults")
    migrations_before = _migrations(migrated_env)
    old = releases.get("0.3.0")

    dry = _cli(["downgrade", "--to", "0.3.0", "--dry-run", "--json"], migrated_env, tmp_path)
    assert dry.returncode == 0, dry.stderr
    plan = json.loads(dry.stdout)
    assert plan["ok"] and plan["dry_run"] and not plan["done"]
    assert plan["targets"]["access"] == old.target("access") and plan["targets"]["webhooks"] == "zero"
    assert "webhooks.0001_initial" in plan["reverse"] and "content.0001_initial" in plan["reverse"]
    dropped = {loss["table"]: loss["rows"] for loss in plan["drop_tables"]}
    # The unreleased webhooks and everything 0.4.0 added go, with every row written to them.
    for table in ("webhooks_webhook", "webhooks_event", "webhooks_delivery", "themes_theme", "content_page",
                  "accounts_organisationrequest", "accounts_invitation"):
        assert dropped[table] == len(before[table]) > 0, table
    assert "accounts_user" not in dropped and "access_credential" not in dropped
    columns = {(loss["table"], loss["column"]): loss["rows"] for loss in plan["drop_columns"]}
    for table, column in [("access_credential", "provider_data"), ("access_credential", "secret_shown_at"),
                          ("access_credential", "replaces_id"), ("catalog_plan", "push_state"),
                          ("catalog_product", "push_error")]:
        expected = _with_a_value(before[table], column, defaults[table].get(column))
        assert columns[(table, column)] == expected, (table, column)
    assert columns[("catalog_plan", "push_state")] == filled["catalog_plan"]  # every row holds a non-default
    assert _migrations(migrated_env) == migrations_before, "a dry run changes nothing"

    text = _cli(["downgrade", "--to", "0.3.0", "--dry-run"], migrated_env, tmp_path)
    assert "  table webhooks_webhook" in text.stdout and f"{dropped['webhooks_webhook']} row(s)" in text.stdout
    assert "Dry run: nothing changed." in text.stdout

    unconfirmed = _cli(["downgrade", "--to", "0.3.0"], migrated_env, tmp_path)
    assert unconfirmed.returncode == 1
    assert "not confirmed: pass --yes" in unconfirmed.stderr
    assert _migrations(migrated_env) == migrations_before

    done = _cli(["downgrade", "--to", "0.3.0", "--yes", "--json"], migrated_env, tmp_path)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["done"] and result["reverse"] == plan["reverse"] and result["drop_tables"] == plan["drop_tables"]
    assert "database downgraded to 0.3.0" in done.stderr

    after, applied = migration_child.steps(migrated_env, "snapshot", "applied")
    assert {app: names[-1] for app, names in applied.items()} == old.migrations
    assert set(after) == set(before) - set(dropped)
    for table, rows in after.items():
        if table == "ops_schemaversion":
            continue
        assert set(rows) == set(before[table]), f"rows of {table} lost"
        for pk, row in rows.items():
            assert row == {c: v for c, v in before[table][pk].items() if c in row}, f"{table} row {pk}"
    assert databases.execute(migrated_env, "SELECT version FROM ops_schemaversion ORDER BY id DESC")[0] == ("0.3.0",)

    # The database is at 0.3.0 now: moving "back" to 0.4.0 would be an upgrade.
    newer = _cli(["downgrade", "--to", "0.4.0", "--yes"], migrated_env, tmp_path)
    assert newer.returncode == 1
    assert "0.4.0 is newer than the database (at 0.3.0)" in newer.stderr
    again = _cli(["downgrade", "--to", "0.3.0", "--yes"], migrated_env, tmp_path)
    assert again.returncode == 0 and "already at 0.3.0's schema: nothing to reverse" in again.stdout


def _acme_040(root):
    """A theme folder "acme": the 0.4.0 default theme as a theme based on it (what an operator copies)."""
    from forecourt.themes import history

    files = history.files(history.source("0.4.0"))
    raw = json.loads(files["theme.json"])
    raw.update(name="acme", version="1.0.0", author="Acme", base="0.4.0")
    files["theme.json"] = json.dumps(raw).encode()
    for path, content in files.items():
        (root / "acme" / path).parent.mkdir(parents=True, exist_ok=True)
        (root / "acme" / path).write_bytes(content)


def test_the_plan_names_a_newer_active_theme_and_the_run_activates_the_one_it_replaced(child_env, tmp_path):
    """acme (base 0.4.0) upgraded by `theme upgrade` to the bundled default and activated: going back to
    0.4.0, the plan names the copy and acme; --activate-theme acme activates acme after the migrations."""
    themes = tmp_path / "themes"
    _acme_040(themes)
    env = {**child_env, "PORTAL_THEMING_PATH": str(themes)}
    assert _cli(["migrate"], env, tmp_path).returncode == 0
    upgraded = _cli(["theme", "upgrade", "acme"], env, tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    bundled = storage.bundled().manifest.version
    copy = f"acme-{bundled}"
    assert f"saved as {copy}" in upgraded.stdout and "Keep the theme acme" in upgraded.stdout
    databases.execute(env, "DELETE FROM themes_themestate")
    activate = f"INSERT INTO themes_themestate (id, active, problem, problem_theme) VALUES (1, '{copy}', '', '')"  # noqa: S608
    databases.execute(env, activate)
    migrations_before = _migrations(env)

    plan = json.loads(_cli(["downgrade", "--to", "0.4.0", "--dry-run", "--json"], env, tmp_path).stdout)
    assert plan["theme"] == {"active": copy, "base": bundled, "suggested": "acme",
                             "replaced": [{"name": "acme", "base": "0.4.0", "present": True}]}
    assert plan["activate_theme"] is None
    text = _cli(["downgrade", "--to", "0.4.0", "--dry-run"], env, tmp_path).stdout
    assert (f"The active theme {copy} is based on the default theme {bundled}, newer than 0.4.0: "
            "Forecourt 0.4.0 may not render it.") in text
    assert "It replaced acme (based on 0.4.0), still here." in text
    assert "Add --activate-theme acme to activate it after the migrations." in text
    with_it = _cli(["downgrade", "--to", "0.4.0", "--dry-run", "--activate-theme", "acme"], env, tmp_path).stdout
    assert "After the migrations, the theme acme is activated." in with_it and "Add --activate-theme" not in with_it
    # A theme on the release already: nothing to say.
    assert json.loads(_cli(["downgrade", "--to", bundled, "--dry-run", "--json"], env, tmp_path).stdout
                      )["theme"] is None

    for args, message in [(["--activate-theme", copy], (f"theme '{copy}' is based on the default theme {bundled}, "
                                                       "newer than 0.4.0 too")),
                          (["--activate-theme", "nope"], "there is no theme called 'nope'")]:
        refused = _cli(["downgrade", "--to", "0.4.0", "--yes", *args], env, tmp_path)
        assert refused.returncode == 1 and message in refused.stderr, refused.stderr
    no_themes = _cli(["downgrade", "--to", "0.3.0", "--yes", "--activate-theme", "acme"], env, tmp_path)
    assert no_themes.returncode == 1 and "release 0.3.0 has no themes" in no_themes.stderr
    assert _migrations(env) == migrations_before
    assert databases.execute(env, "SELECT active FROM themes_themestate") == [(copy,)]

    done = _cli(["downgrade", "--to", "0.4.0", "--yes", "--json", "--activate-theme", "acme"], env, tmp_path)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert (result["activated_theme"], result["replaced_theme"]) == ("acme", copy)
    assert (result["theme"], result["activate_theme"]) == (plan["theme"], "acme")
    assert result["removed_rows"] == plan["drop_rows"] and plan["drop_rows"]
    assert f"theme acme activated (it replaces {copy})" in done.stderr
    assert databases.execute(env, "SELECT active FROM themes_themestate") == [("acme",)]
    assert databases.execute(env, "SELECT action, note FROM audit_auditentry WHERE object_type = "
                                  "'themes.themestate'") == [("activate", ("theme acme activated by the downgrade "
                                                                          "to 0.4.0"))]
    assert (copy,) in databases.execute(env, "SELECT name FROM themes_theme"), "the downgrade deletes no theme"


def test_the_content_types_and_permissions_of_dropped_models_are_listed_then_removed(migrated_env, tmp_path):
    """`migrate` made a content type and four permissions per model; those of the models going 0.4.0 drops
    are in the plan, counted from the rows here, and gone after the run; every other one stays as it was."""
    types = {row[0]: row[1:] for row in databases.execute(migrated_env,
                                                          "SELECT id, app_label, model FROM django_content_type")}
    permissions = set(databases.execute(migrated_env, "SELECT id, content_type_id, codename FROM auth_permission"))
    plan = json.loads(_cli(["downgrade", "--to", "0.4.0", "--dry-run", "--json"], migrated_env, tmp_path).stdout)
    dropped = {loss["table"] for loss in plan["drop_tables"]}
    stale = {pk for pk, (app, model) in types.items() if f"{app}_{model}" in dropped}
    stale_permissions = {row for row in permissions if row[1] in stale}
    models = sorted(f"{app}.{model}" for pk, (app, model) in types.items() if pk in stale)
    assert "webhooks.webhook" in models and len(stale_permissions) == 4 * len(stale)
    assert plan["drop_rows"] == [{"table": "django_content_type", "rows": len(stale), "models": models},
                                 {"table": "auth_permission", "rows": len(stale_permissions), "models": models}]
    text = _cli(["downgrade", "--to", "0.4.0", "--dry-run"], migrated_env, tmp_path).stdout
    assert "rows of django_content_type" in text and f"{len(stale_permissions)} row(s) of the dropped models" in text
    assert len(databases.execute(migrated_env, "SELECT id FROM django_content_type")) == len(types), "dry run"

    done = _cli(["downgrade", "--to", "0.4.0", "--yes"], migrated_env, tmp_path)
    assert done.returncode == 0, done.stderr
    assert (f"Removed {len(stale)} content type(s) and {len(stale_permissions)} permission(s) of the dropped "
            "models.") in done.stdout
    after = {row[0]: row[1:] for row in databases.execute(migrated_env,
                                                          "SELECT id, app_label, model FROM django_content_type")}
    assert after == {pk: row for pk, row in types.items() if pk not in stale}
    assert set(databases.execute(migrated_env, "SELECT id, content_type_id, codename FROM auth_permission")) == (
        permissions - stale_permissions)
    assert f"removed {len(stale)} content type(s) and {len(stale_permissions)} permission(s)" in done.stderr


def test_refusals_exit_non_zero_and_change_nothing(migrated_env, tmp_path):
    migrations_before = _migrations(migrated_env)

    unknown = _cli(["downgrade", "--to", "0.3.7", "--yes", "--json"], migrated_env, tmp_path)
    assert unknown.returncode == 1
    assert json.loads(unknown.stdout) == {
        "ok": False, "error": "0.3.7 is not a release (known: "
                              + ", ".join(r.version for r in releases.all_releases()) + ")"}
    assert "downgrade refused: 0.3.7 is not a release" in unknown.stderr

    databases.execute(migrated_env, "INSERT INTO ops_schemaversion (version, migrated_at, applied) "
                                 "VALUES ('9.9.0', '2099-01-01 00:00:00', '[]')")
    newer_binary = _cli(["downgrade", "--to", "0.3.0", "--yes"], migrated_env, tmp_path)
    assert newer_binary.returncode == 1
    assert "the database was migrated by Forecourt 9.9.0, newer than this one" in newer_binary.stderr
    databases.execute(migrated_env, "DELETE FROM ops_schemaversion WHERE version = '9.9.0'")

    # A newer Forecourt's migrations: one of an app this version has, one of an app it does not.
    databases.execute(migrated_env, "INSERT INTO django_migrations (app, name, applied) VALUES "
                                 "('webhooks', '0099_from_the_future', '2099-01-01 00:00:00'), "
                                 "('billing', '0001_initial', '2099-01-01 00:00:00')")
    future = _cli(["downgrade", "--to", "0.3.0", "--yes"], migrated_env, tmp_path)
    assert future.returncode == 1
    assert ("migrations this version does not know: billing.0001_initial, webhooks.0099_from_the_future"
            in future.stderr)
    databases.execute(migrated_env, "DELETE FROM django_migrations WHERE applied = '2099-01-01 00:00:00'")

    with databases.hold_migration_lock(migrated_env):
        locked = _cli(["downgrade", "--to", "0.3.0", "--yes", "--lock-timeout", "1"], migrated_env, tmp_path)
    assert locked.returncode == 1
    assert "gave up waiting 1s for the migration lock" in locked.stderr

    # At a terminal the operator is asked; anything but yes changes nothing.
    controller, terminal = os.openpty()
    asked = subprocess.Popen([*servers.FORECOURT, "downgrade", "--to", "0.3.0"], env=migrated_env, cwd=tmp_path,
                             stdin=terminal, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    os.close(terminal)
    os.write(controller, b"n\n")
    out, err = asked.communicate(timeout=120)
    os.close(controller)
    assert asked.returncode == 1
    assert "table webhooks_webhook" in out and "Downgrade to 0.3.0? [y/N]" in err and "Nothing changed." in err

    assert _migrations(migrated_env) == migrations_before
    assert databases.execute(migrated_env, "SELECT COUNT(*) FROM webhooks_webhook") == [(0,)]


def test_an_unmigrated_database_has_nothing_to_downgrade(child_env, tmp_path):
    result = _cli(["downgrade", "--to", "0.1.0", "--yes"], child_env, tmp_path)
    assert result.returncode == 1
    assert "the database has not been migrated yet" in result.stderr


@pytest.mark.django_db
def test_values_an_older_column_cannot_hold_are_found_before_anything_changes():
    """A column that a later migration relaxed (NULL allowed, longer, no longer unique) cannot go back
    while rows use that freedom: found first, or reversing would fail half-way on SQLite and MySQL."""
    from django.db import connection, models
    from django.db.migrations.loader import MigrationLoader

    from forecourt.accounts.models import User
    from forecourt.lifecycle import downgrade

    loader = MigrationLoader(connection)
    state = loader.project_state(nodes=loader.graph.leaf_nodes(), at_end=True)
    older = state.clone()
    user = older.models["accounts", "user"]
    user.fields["first_name"] = models.CharField(max_length=5, blank=True)
    user.fields["last_login"] = models.DateTimeField()
    user.fields["last_name"] = models.CharField(max_length=150, unique=True)
    now, then = downgrade._tables(state.apps), downgrade._tables(older.apps)
    assert downgrade.conflicts(now, then, "default") == []

    for n in range(3):
        User.objects.create_user(f"u{n}@example.com", "a-long-passphrase", first_name="Alexandra" if n else "Al",
                                 last_name="Twin" if n else "Solo")
    assert sorted(downgrade.conflicts(now, then, "default")) == [
        "accounts_user.first_name: 2 value(s) longer than the older column's 5 characters",
        "accounts_user.last_login: 3 row(s) hold NULL, which the older column does not allow",
        "accounts_user.last_name: 1 value(s) appear more than once; the older column is unique",
    ]


def test_nothing_but_djangos_own_rows_refer_to_content_types_and_permissions():
    """What makes removing a dropped model's content type safe (lifecycle.downgrade_types): only its
    permissions refer to it, and only groups' permission rows to those. A new relation (a generic foreign
    key's model, the admin's log, users with Django permissions) must be weighed there first."""
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    def relations(model):
        return {(rel.related_model._meta.label, rel.field.name) for rel in model._meta.related_objects}

    assert relations(ContentType) == {("auth.Permission", "content_type")}
    assert relations(Permission) == {("auth.Group", "permissions")}


@pytest.mark.django_db
def test_the_models_going_from_0_5_0_to_0_4_0_drops_have_3_content_types_and_12_permissions():
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    from forecourt.lifecycle import downgrade, downgrade_types

    loader = MigrationLoader(connection)

    def state(version):
        targets = [(app, name) for app, name in releases.get(version).migrations.items()]
        return loader.project_state(nodes=targets, at_end=True).apps

    names = downgrade_types.dropped_models(state("0.5.0"), state("0.4.0"), downgrade.forecourt_apps(loader))
    assert names == ["webhooks.delivery", "webhooks.event", "webhooks.webhook"]
    counted = downgrade_types.count(names, "default")  # the test database was migrated: its rows are there
    assert (counted.content_types, counted.permissions, counted.group_permissions) == (3, 12, 0)
    removed = downgrade_types.remove(names, "default")
    assert (removed.content_types, removed.permissions) == (3, 12)
    assert downgrade_types.count(names, "default").content_types == 0
    assert downgrade_types.count(["accounts.user"], "default").permissions == 4, "other models' rows stay"


@pytest.mark.django_db
def test_the_chain_of_upgraded_themes_is_followed_to_the_first_one_the_release_has():
    from django.apps import apps

    from forecourt.lifecycle import downgrade_theme
    from forecourt.themes.models import Theme, ThemeState

    def theme(name, base, upgraded_from=None):
        manifest = {"name": name, "version": "1.0.0", "base": base}
        if upgraded_from:
            manifest["upgraded_from"] = upgraded_from
        Theme.objects.create(name=name, version="1.0.0", base=base, manifest=manifest, revision="r")

    theme("acme", "0.4.0")
    theme("acme-0.5.0", "0.5.0", "acme")
    theme("acme-0.7.0", "0.7.0", "acme-0.5.0")
    theme("loop-a", "0.7.0", "loop-b")
    theme("loop-b", "0.7.0", "loop-a")
    theme("own", "0.7.0")
    ThemeState.objects.create(pk=1, active="acme-0.7.0")

    def notice(release):
        found = downgrade_theme.notice(apps, "default", release)
        return found.as_dict() if found else None

    assert notice("0.4.0") == {"active": "acme-0.7.0", "base": "0.7.0", "suggested": "acme", "replaced": [
        {"name": "acme-0.5.0", "base": "0.5.0", "present": True}, {"name": "acme", "base": "0.4.0", "present": True}]}
    assert notice("0.5.0")["suggested"] == "acme-0.5.0" and len(notice("0.5.0")["replaced"]) == 1
    assert notice("0.7.0") is None
    Theme.objects.filter(name="acme").delete()
    assert notice("0.4.0")["replaced"][-1] == {"name": "acme", "base": None, "present": False}
    assert notice("0.4.0")["suggested"] is None
    ThemeState.objects.filter(pk=1).update(active="loop-a")
    assert notice("0.4.0")["replaced"] == [{"name": "loop-b", "base": "0.7.0", "present": True}]
    ThemeState.objects.filter(pk=1).update(active="own")
    assert notice("0.4.0") == {"active": "own", "base": "0.7.0", "replaced": [], "suggested": None}
    for active in ("default", "gone"):
        ThemeState.objects.filter(pk=1).update(active=active)
        assert notice("0.4.0") is None


@pytest.mark.django_db
def test_activation_by_the_downgrade_is_audited_and_gives_cached_pages_a_new_revision():
    from django.apps import apps

    from forecourt.audit.models import AuditEntry
    from forecourt.lifecycle import downgrade_theme
    from forecourt.pagecache import revision
    from forecourt.themes.models import ThemeState

    ThemeState.objects.create(pk=1, active="acme-0.7.0", problem="broken", problem_theme="acme-0.7.0")
    revision.bump()
    token = revision.current()
    assert downgrade_theme.activate(apps, "default", "default", "0.7.0") == "acme-0.7.0"
    state = ThemeState.objects.get(pk=1)
    assert (state.active, state.problem, state.problem_theme) == ("default", "", "")
    assert state.activated_at is not None
    assert revision.current() != token
    entry = AuditEntry.objects.get(object_type="themes.themestate")
    assert (entry.action, entry.changes) == ("activate", {"active": ["acme-0.7.0", "default"]})
