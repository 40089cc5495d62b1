"""A Tyk Dashboard for tests: the project's simulator (tools/tyk_simulator.py) in a thread on
127.0.0.1, on a port the OS picks, seeded with realistic APIs and policies.

It answers like the real Dashboard API (shapes, status codes and messages of the published
contract in contracts/tyk), keeps its APIs, policies, keys and OAuth clients in memory,
logs every request (`.requests`) and fails on demand: `.down()`, `.slow(seconds)`,
`.fail_status(500)`, `.truncate()`, `.invalid_json()` or `.fail(mode, path=..., times=...)`,
all ended by `.heal()`.

Use the `tyk_dashboard` fixture (import it into the test module); point the code under test at
`tyk_dashboard.url` with `tyk_dashboard.secret` as its Dashboard API key. When the test ends,
every answer the simulator gave (unless a failure mode shaped it) is validated against the
published contract (tests/support/tyk_contract.py).
"""

import importlib.util
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

SIMULATOR = Path(__file__).resolve().parents[2] / "tools" / "tyk_simulator.py"
SECRET = "tyk-test-dashboard-api-key"
ORG_ID = "5e9d9544a1dcd60001d0ed20"


def _load() -> ModuleType:
    """tools/ is not a package: load the simulator from its file (once per process)."""
    name = "tyk_simulator"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, SIMULATOR)
    assert spec is not None and spec.loader is not None, SIMULATOR
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the file runs
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


simulator = _load()
TykDashboard: Any = simulator.TykDashboard


@contextmanager
def running(*, seed: bool = True, **kwargs: Any) -> Iterator[Any]:
    """A started TykDashboard (seeded with `seed_realistic()` unless `seed` is False)."""
    kwargs.setdefault("secret", SECRET)
    kwargs.setdefault("org_id", ORG_ID)
    dashboard = TykDashboard(**kwargs)
    if seed:
        dashboard.seed_realistic()
    dashboard.start()
    try:
        yield dashboard
    finally:
        dashboard.stop()


def client(dashboard: Any, **kwargs: Any) -> httpx.Client:
    """An httpx client for `dashboard` that sends its key the way Tyk's clients do (raw)."""
    kwargs.setdefault("timeout", 10)
    return httpx.Client(base_url=dashboard.url, headers={"Authorization": dashboard.secret}, **kwargs)


def traffic_id(credential: Any) -> str:
    """How the simulator's analytics know a credential (an access.models.Credential): an OAuth
    client by its ID, a key by its hash (the reference the portal keeps once the Dashboard told it)."""
    if credential.type != "key" or credential.provider_data.get("hashed"):
        return str(credential.provider_reference)
    return simulator.key_hash(credential.gateway_key)


def seed_traffic(dashboard: Any, credential: Any, days: int = 7) -> None:
    """Generated, deterministic traffic for `credential` on each of the last `days` days."""
    dashboard.seed_traffic(traffic_id(credential), days)


@pytest.fixture
def tyk_dashboard() -> Iterator[Any]:
    """A seeded simulator; when the test ends, every answer it gave is validated against the contract."""
    from .tyk_contract import validate_log

    with running() as dashboard:
        yield dashboard
        validate_log(dashboard)
