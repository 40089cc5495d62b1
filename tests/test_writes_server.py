"""Concurrent sign-ups over HTTP against a real `forecourt serve` (issue 15, "writes that do not
block"): the password hash is made before the sign-up's transaction, so on SQLite the write lock
is held for milliseconds, not for a hash, and no sign-up fails with "database is locked".

The same client code (benchmarks/signups.py) measures 200 sign-ups for the benchmark.
"""

import importlib.util
from pathlib import Path

import pytest

from .support import databases

SIGN_UPS = 24  # enough to overlap on two cores; the benchmark does 200


def _signups_module():
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "signups.py"
    spec = importlib.util.spec_from_file_location("forecourt_bench_signups", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.server
def test_concurrent_sign_ups_all_succeed(migrated_env, start_server):
    # Each simulated client has its own address (X-Forwarded-For, believed from 127.0.0.1 only),
    # so the per-client sign-up throttle does not refuse them.
    server = start_server({**migrated_env, "PORTAL_TRUSTED_PROXIES": "127.0.0.1"})
    server.wait_for("/ready", 200)
    result = _signups_module().run(server.url, SIGN_UPS, SIGN_UPS)
    assert result["errors"] == 0, (result["error_samples"], server.log()[-5000:])
    assert "database is locked" not in server.log()
    rows = databases.execute(migrated_env, "SELECT COUNT(*) FROM accounts_user WHERE email LIKE 'signup-%'")
    assert rows[0][0] == SIGN_UPS
