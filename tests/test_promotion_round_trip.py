"""Configuration as code between two real portals, through the `forecourt` command (issue 20's
acceptance test).

Staging is always SQLite; production is the engine of the run (SQLite, PostgreSQL or MariaDB: the
three lanes of scripts/run-tests), with another history, so its database IDs are not staging's.
Both are filled by tests/support/promotion_seed.py in child processes; everything else is the
`forecourt export`, `plan` and `apply` commands as an operator's pipeline runs them:

- export staging; plan against production: exactly the expected creates and updates; apply;
  export production: byte-identical to staging's export (files and assets);
- change one product, one plan and one page in staging and remove a team: the plan shows exactly
  those fields, the team only with --prune; apply; a second plan shows nothing;
- files with an unknown field, a dangling reference, a duplicate key, two objects with one key, a
  secret in clear, or a prune that would orphan a consumer's access are refused by plan and apply
  with file, line and reason, and production is unchanged;
- a consumer's user, app, access request and credential are the same rows with the same values
  throughout; the provider's API key appears in no exported file, output or audit entry; every
  exported file is valid against the published JSON Schema (docs/config-schema.json).
"""

import json
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from forecourt.promotion.kinds import KINDS, KINDS_BY_NAME

from .support import databases, servers
from .support.backup_archive import run_helper

pytestmark = pytest.mark.server

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "docs" / "config-schema.json").read_text(encoding="utf-8"))
SECRET_VARIABLE = "FORECOURT_PROVIDERS_TYK_SECRET"  # what export names for the provider "Tyk"'s API key
HIDDEN = "(secret)"

# What a consumer owns in production: promotion must never write these (same rows, same values).
CONSUMERS_DATA = ("accounts_user", "accounts_user_teams", "access_app", "access_accessrequest",
                  "access_accessrequest_products", "access_credential")
# The kinds the seed builds and this test expects changes of by name; any other kind a release
# has (settings, themes, SSO, webhooks...) is expected to plan exactly the objects staging has and
# production lacks (see _expected_of_other_kinds).
SEEDED = ("providers", "organisations", "products", "plans", "catalogues", "pages")


@dataclass
class Portal:
    """One portal: the environment that points `forecourt` at its database and data folder."""

    env: dict[str, str]
    cwd: Path
    outputs: list[str] = field(default_factory=list)  # every stdout and stderr, searched for secrets

    def run(self, *args: str, expect: int = 0) -> subprocess.CompletedProcess[str]:
        result = servers.run(list(args), self.env, self.cwd)
        self.outputs += [result.stdout, result.stderr]
        assert result.returncode == expect, (f"forecourt {' '.join(args)} exited {result.returncode}, "
                                             f"not {expect}:\n{result.stdout}\n{result.stderr}")
        return result

    def seed(self, step: str, **extra: str) -> None:
        run_helper("promotion_seed", {**self.env, **extra}, self.cwd, step)

    def export(self, folder: Path) -> dict[str, bytes]:
        """Export into `folder`; every file it wrote, by relative path."""
        self.run("export", "-o", str(folder))
        return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}

    def plan(self, folder: Path, *args: str, expect: int = 2) -> list[dict[str, Any]]:
        return json.loads(self.run("plan", "--json", *args, str(folder), expect=expect).stdout)["changes"]

    def rows(self, table: str) -> list[tuple[Any, ...]]:
        return databases.execute(self.env, f"SELECT * FROM {table} ORDER BY 1, 2")  # noqa: S608 (our names)

    def id_of(self, table: str, where: str) -> int:
        [(pk,)] = databases.execute(self.env, f"SELECT id FROM {table} WHERE {where}")  # noqa: S608
        return int(pk)


def _portal(db_env: dict[str, str], folder: Path, migrate: bool = True, **extra: str) -> Portal:
    folder.mkdir()
    portal = Portal(servers.child_env(db_env, folder, **extra), folder)
    if migrate:
        portal.run("migrate")
    return portal


@pytest.fixture
def staging_secret() -> str:
    return f"staging-dashboard-key-{uuid.uuid4().hex}"


@pytest.fixture
def production_secret() -> str:
    return f"production-dashboard-key-{uuid.uuid4().hex}"


@pytest.fixture
def staging(tmp_path, staging_secret) -> Portal:
    """Staging: always SQLite, whatever the engine of the run."""
    db = {"PORTAL_DATABASE_DIALECT": "sqlite3", "PORTAL_DATABASE_CONNECTIONSTRING": str(tmp_path / "staging.db")}
    portal = _portal(db, tmp_path / "staging")
    portal.seed("staging", SEED_PROVIDER_SECRET=staging_secret)
    return portal


@pytest.fixture
def production(migrated_db, tmp_path, production_secret) -> Portal:
    """Production: the run's engine; its pipeline provides the provider's key in the variable the
    export names."""
    portal = _portal(migrated_db, tmp_path / "production", migrate=False, **{SECRET_VARIABLE: production_secret})
    portal.seed("production")
    return portal


def consumers_data(portal: Portal) -> dict[str, list[tuple[Any, ...]]]:
    rows = {table: portal.rows(table) for table in CONSUMERS_DATA}
    assert all(rows.values()), rows  # the seed made one of each
    return rows


def validate(files: dict[str, bytes]) -> None:
    """Every exported YAML file is valid against the published schema."""
    validator = jsonschema.Draft202012Validator(SCHEMA)
    for name, content in files.items():
        if name.endswith(".yaml"):
            errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
                      for e in validator.iter_errors(yaml.safe_load(content))]
            assert errors == [], name


def documents(files: dict[str, bytes]) -> dict[str, Any]:
    """The exported files' kinds: name -> list of objects (or the one mapping)."""
    out: dict[str, Any] = {}
    for name, content in files.items():
        if name.endswith(".yaml"):
            out.update({k: v for k, v in yaml.safe_load(content).items() if k != "version"})
    return out


def summary(changes: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [(c["action"], c["kind"], c["key"]) for c in changes]


def fields_of(changes: list[dict[str, Any]], action: str, kind: str, key: str) -> dict[str, Any]:
    [change] = [c for c in changes if (c["action"], c["kind"], c["key"]) == (action, kind, key)]
    return change["fields"]


def created_values(item: dict[str, Any], kind_name: str) -> dict[str, Any]:
    """What the plan shows a created object's fields becoming: the file's values (secrets hidden),
    without its key and children."""
    kind = KINDS_BY_NAME[kind_name]
    children = {c.name for c in kind.children}
    secrets = {f.name for f in kind.fields if f.secret}
    return {k: (HIDDEN if k in secrets and v is not None else v) for k, v in item.items()
            if k != kind.key and k not in children}


def _expected_of_other_kinds(staging: dict[str, Any], production: dict[str, Any]) -> list[tuple[str, str, str]]:
    """For the kinds the seed does not build: staging's objects that production lacks are created
    (with their children); those both have must already be equal."""
    expected = []
    for kind in KINDS:
        if kind.name in SEEDED or kind.name not in staging:
            continue
        if kind.single:
            assert staging[kind.name] == production[kind.name], kind.name
            continue
        theirs = {item[kind.key]: item for item in production.get(kind.name, [])}
        for item in staging[kind.name]:
            key = item[kind.key]
            if key in theirs:
                assert item == theirs[key], f"{kind.name} {key!r} differs between two fresh portals"
                continue
            expected.append(("create", kind.name, key))
            for child in kind.children:
                expected += [("create", child.kind.name, f"{key}/{entry[child.kind.key]}")
                             for entry in item.get(child.name) or []]
    return expected


def test_staging_promoted_to_production_then_changed_then_pruned(staging, production, tmp_path, staging_secret,
                                                                 production_secret):
    # Different engines' histories: the same objects have other IDs in each portal.
    for table, where in (("catalog_product", "slug = 'payments'"), ("catalog_plan", "name = 'Gold'"),
                         ("accounts_organisation", "name = 'Acme'"), ("catalog_catalogue", "name = 'Partners'")):
        assert staging.id_of(table, where) != production.id_of(table, where), table
    consumers = consumers_data(production)
    before = documents(production.export(tmp_path / "production-0"))

    # 1. Staging's configuration, planned against production: exactly what staging has that
    # production lacks or has otherwise.
    first = tmp_path / "staging-1"
    exported = staging.export(first)
    validate(exported)
    config = documents(exported)
    [logo] = [name for name in exported if name.startswith("assets/")]
    assert logo.startswith("assets/products/payments/logo-") and config["products"][0]["logo"] == logo
    changes = production.plan(first)
    seeded = [c for c in summary(changes) if c[1].split(".")[0] in SEEDED]
    assert seeded == [
        ("create", "providers", "Tyk"),
        ("create", "organisations.teams", "Acme/Payments"),
        ("create", "organisations.teams", "Acme/Platform"),
        ("create", "organisations", "Globex"),
        ("create", "organisations.teams", "Globex/Default Team"),
        ("update", "products", "payments"),
        ("create", "products.apis", "payments/api-payments"),
        ("create", "products.docs", "payments/Getting started"),
        ("create", "products.docs", "payments/Errors"),
        ("create", "products.specs", "payments/Payments v1"),
        ("create", "products", "weather"),
        ("create", "plans", "Free"),
        ("update", "plans", "Gold"),
        ("update", "catalogues", "Partners"),
        ("create", "catalogues", "Public"),
        *([("create", "pages", "/about"), ("create", "pages.blocks", "/about/Body")]
          if "pages" in KINDS_BY_NAME else []),
    ]
    others = [c for c in summary(changes) if c[1].split(".")[0] not in SEEDED]
    assert sorted(others) == sorted(_expected_of_other_kinds(config, before))
    assert fields_of(changes, "update", "products", "payments") == {
        "display_name": {"old": "Payments (beta)", "new": "Payments"},
        "description": {"old": "", "new": "Take payments."},
        "content": {"old": "", "new": "# Payments\n\nTake payments, **safely**."},
        "logo": {"old": None, "new": logo},
        "tags": {"old": [], "new": ["money", "β"]},
        "provider": {"old": None, "new": "Tyk"},
        "reference_id": {"old": None, "new": "pol-payments"},
    }
    assert fields_of(changes, "update", "plans", "Gold") == {
        "description": {"old": "", "new": "For production traffic."},
        "rate_limit": {"old": 500, "new": 1000},
        "quota_unlimited": {"old": True, "new": False},
        "quota_max": {"old": 0, "new": 100000},
        "quota_renewal_seconds": {"old": 3600, "new": 86400},
        "key_expires_in": {"old": 0, "new": 31536000},
        "provider": {"old": None, "new": "Tyk"},
        "reference_id": {"old": None, "new": "pol-gold"},
    }
    assert fields_of(changes, "update", "catalogues", "Partners") == {"audiences": {
        "old": [{"organisation": "Acme"}],
        "new": [{"organisation": "Acme", "team": "Platform"}, {"organisation": "Globex"}]}}
    by_key = {(kind, item[KINDS_BY_NAME[kind].key]): item for kind in ("providers", "products", "plans", "catalogues")
              for item in config[kind]}
    for kind, key in (("providers", "Tyk"), ("products", "weather"), ("plans", "Free"), ("catalogues", "Public")):
        assert {k: v["new"] for k, v in fields_of(changes, "create", kind, key).items()} == \
            created_values(by_key[kind, key], kind), (kind, key)

    # 2. Applied: production's export is staging's, byte for byte; a second plan has nothing to do.
    applied = production.run("apply", "--yes", str(first))
    creates = sum(c["action"] == "create" for c in changes)
    assert f"Applied: {creates} created, {len(changes) - creates} changed, 0 deleted." in applied.stdout
    assert "note:" not in applied.stderr  # an export says what a portal keeps: no value stored otherwise
    assert production.export(tmp_path / "production-1") == exported
    assert production.plan(first, expect=0) == []
    assert production.plan(first, "--prune", expect=0) == []
    assert consumers_data(production) == consumers

    # 3. The next change: one product, one plan, one page, and a team removed in staging.
    staging.seed("change")
    second = tmp_path / "staging-2"
    changed = staging.export(second)
    validate(changed)
    changes = production.plan(second)
    assert [(c["action"], c["kind"], c["key"], c["fields"]) for c in changes] == [
        ("update", "products", "payments", {"display_name": {"old": "Payments", "new": "Payments API"}}),
        ("update", "plans", "Gold", {"rate_limit": {"old": 1000, "new": 2000}}),
        *([("update", "pages", "/about", {"title": {"old": "About us", "new": "About Forecourt"}})]
          if "pages" in KINDS_BY_NAME else []),
    ]
    assert "note:" not in production.run("apply", "--yes", str(second)).stderr
    assert production.plan(second, expect=0) == []
    # Only a pruning plan removes what staging no longer has.
    assert production.plan(second, "--prune") == [
        {"action": "delete", "kind": "organisations.teams", "key": "Acme/Payments", "fields": {}}]
    pruned = production.run("apply", "--prune", "--yes", str(second))
    assert "Applied: 0 created, 0 changed, 1 deleted." in pruned.stdout
    assert production.export(tmp_path / "production-2") == changed
    assert production.plan(second, "--prune", expect=0) == []
    assert consumers_data(production) == consumers

    # 4. The provider's API key is in no file, output or audit entry, only in the portals.
    audit = repr(databases.execute(production.env, "SELECT * FROM audit_auditentry"))
    assert "forecourt apply" in audit
    for secret in (staging_secret, production_secret):
        for files in (exported, changed):
            assert not any(secret.encode() in content for content in files.values())
        assert not any(secret in output for output in staging.outputs + production.outputs)
        assert secret not in audit


def _lines(*lines: str) -> str:
    return "\n".join(lines) + "\n"


# Each refused configuration: its file, the problems `plan` and `apply` print (file:line: reason).
REFUSED = {
    "unknown field": (_lines(
        "version: 1",
        "products:",
        "- slug: payments",
        "  display_name: Payments",
        "  colour: blue",
    ), ["c.yaml:5: unknown field 'colour' in products; known fields: slug, "]),
    "dangling reference": (_lines(
        "version: 1",
        "plans:",
        "- name: Gold",
        "  provider: Nowhere",
    ), ["c.yaml:4: provider: providers 'Nowhere' is neither in the portal nor in the configuration"]),
    "key twice in one mapping": (_lines(
        "version: 1",
        "plans:",
        "- name: Gold",
        "  rate_limit: 10",
        "  rate_limit: 20",
    ), ["c.yaml:5: duplicate key 'rate_limit': it is given twice in this mapping"]),
    "two products with one slug": (_lines(
        "version: 1",
        "products:",
        "- slug: payments",
        "  display_name: One",
        "- slug: payments",
        "  display_name: Two",
    ), ["c.yaml:5: duplicate key: products 'payments' is also given at c.yaml:3"]),
    "secret in clear": (_lines(
        "version: 1",
        "providers:",
        "- name: Tyk",
        "  url: http://127.0.0.1:3000",
        "  secret: {leaked}",
    ), ["c.yaml:5: secret: a secret is {env: NAME} or {file: PATH}; a secret in clear is refused"]),
}


def test_refused_configurations_name_file_line_and_reason_and_change_nothing(production, tmp_path):
    """Each refused by `plan` and by `apply` (exit 1, every problem on stderr as file:line: reason),
    production's export and its consumer's rows the same after as before."""
    consumers = consumers_data(production)
    before = production.export(tmp_path / "before")
    leaked = f"leaked-dashboard-key-{uuid.uuid4().hex}"
    for case, (text, expected) in REFUSED.items():
        folder = tmp_path / case.replace(" ", "-")
        folder.mkdir()
        (folder / "c.yaml").write_text(text.replace("{leaked}", leaked), encoding="utf-8")
        for command in (["plan"], ["apply", "--yes"]):
            result = production.run(*command, str(folder), expect=1)
            problems = [line.removeprefix("refused: ") for line in result.stderr.splitlines()
                        if line.startswith("refused: ")]
            assert len(problems) == len(expected), (case, result.stderr)
            for problem, start in zip(problems, expected, strict=True):
                assert problem.startswith(start), (case, result.stderr)
            assert "Traceback" not in result.stderr and result.stdout == "", case
    # A prune that would delete the plan and catalogue a consumer's access request is for.
    folder = tmp_path / "prune"
    folder.mkdir()
    (folder / "c.yaml").write_text(_lines("version: 1", "plans: []", "catalogues: []"), encoding="utf-8")
    result = production.run("apply", "--prune", "--yes", str(folder), expect=1)
    assert "refused: c.yaml: pruning plans 'Gold' would orphan data:" in result.stderr, result.stderr
    assert "refused: c.yaml: pruning catalogues 'Partners' would orphan data:" in result.stderr, result.stderr

    assert production.export(tmp_path / "after") == before
    assert consumers_data(production) == consumers
    assert not any(leaked in output for output in production.outputs)
