"""The promotion pipeline of docs/config-as-code.md works as written: its body-building script (taken from
the page itself) turns a folder of configuration files and the pipeline's FORECOURT_* secrets into the body
that a running portal's /portal-api/config/plan and /apply take, and the key reaches the portal without
appearing in any answer."""

import json
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from .support import databases

pytestmark = pytest.mark.server

DOC = Path(__file__).resolve().parent.parent / "docs" / "config-as-code.md"
KEY = "key-from-the-ci-secret-store"
PROVIDERS = """version: 1
providers:
  - name: Dashboard
    type: tyk-pro
    url: https://dashboard.example.com
    secret: {env: FORECOURT_PROVIDERS_DASHBOARD_SECRET}
"""
PLANS = "version: 1\nplans:\n  - name: gold\n    display_name: Gold\n    rate_limit: 100\n    rate_per: 60\n"


def body_script() -> str:
    [script] = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.DOTALL)
    return script


def test_the_documented_pipeline_plans_and_applies_a_folder(migrated_env, start_server, tmp_path):
    server = start_server(migrated_env)
    server.wait_for("/ready", 200)
    token = httpx.post(f"{server.url}/portal-api/bootstrap", timeout=30, json={
        "username": "ci-portal@example.com", "password": "a-long-passphrase", "first_name": "CI",
        "last_name": "Portal"}).json()["data"]["api_token"]
    folder = tmp_path / "portal-config"
    (folder / "assets" / "products" / "payments").mkdir(parents=True)
    (folder / "providers.yaml").write_text(PROVIDERS)
    (folder / "plans.yaml").write_text(PLANS)
    (folder / "README.md").write_text("not a configuration file: neither sent as a file nor as an asset")
    (folder / "assets" / "products" / "payments" / "logo-1.png").write_bytes(b"\x89PNG")
    (tmp_path / "config-body.py").write_text(body_script())

    built = subprocess.run([sys.executable, "config-body.py", "portal-config"], cwd=tmp_path, capture_output=True,
                           text=True, check=True, env={"FORECOURT_PROVIDERS_DASHBOARD_SECRET": KEY, "PATH": ""})
    body = json.loads(built.stdout)
    assert sorted(body["Files"]) == ["plans.yaml", "providers.yaml"]
    assert body["Assets"] == {"assets/products/payments/logo-1.png": "iVBORw=="}
    assert body["Secrets"] == {"FORECOURT_PROVIDERS_DASHBOARD_SECRET": KEY}

    def post(path: str) -> httpx.Response:
        return httpx.post(f"{server.url}/portal-api/config/{path}", content=built.stdout, timeout=60,
                          headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})

    planned = post("plan?prune=true")
    assert planned.status_code == 200, planned.text
    assert planned.json()["Summary"] == {"Create": 2, "Update": 0, "Delete": 0}
    applied = post("apply?prune=true")
    assert applied.status_code == 200, applied.text
    assert applied.json()["Applied"] is True
    assert post("plan?prune=true").json()["Changes"] == []
    for answer in (planned, applied):
        assert KEY not in answer.text
    assert databases.execute(migrated_env, "SELECT name FROM providers_provider") == [("Dashboard",)]
    assert KEY not in server.log()
