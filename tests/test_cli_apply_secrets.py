"""`forecourt apply` as a subprocess, writing a secret: the command line has the instance secret the audit
log's masks need (it had none: saving a provider's key raised ImproperlyConfigured), and neither the
output nor the audit log carries the key."""

import pytest

from .support import databases, servers

pytestmark = pytest.mark.server

KEY = "the-dashboard-key-from-ci"
CONFIG = """version: 1
providers:
  - name: Dashboard
    type: tyk-pro
    url: https://dashboard.example.com
    secret: {env: DASHBOARD_KEY}
"""


def test_apply_writes_a_providers_key_from_the_environment(migrated_env, tmp_path):
    (tmp_path / "providers.yaml").write_text(CONFIG)
    applied = servers.run(["apply", "--yes", "providers.yaml"], {**migrated_env, "DASHBOARD_KEY": KEY}, tmp_path)
    assert applied.returncode == 0, applied.stderr
    assert "Applied: 1 created, 0 changed, 0 deleted." in applied.stdout
    assert KEY not in applied.stdout + applied.stderr
    assert databases.execute(migrated_env, "SELECT name FROM providers_provider") == [("Dashboard",)]
    audit = databases.execute(migrated_env, "SELECT changes, note FROM audit_auditentry")
    assert audit and all(KEY not in str(row) for row in audit)
    assert audit[0][1] == "forecourt apply providers.yaml (command line)"

    again = servers.run(["plan", "providers.yaml"], {**migrated_env, "DASHBOARD_KEY": KEY}, tmp_path)
    assert (again.returncode, again.stdout.strip()) == (0, "No changes: the portal already matches the configuration.")
