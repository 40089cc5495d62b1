"""Benchmark: sync 10,000 policies and 2,000 APIs from the Dashboard simulator, then sync again.

Prints the time and SQL query counts of the first sync and of a second one with no upstream
change (which must write no product or plan). Runs on SQLite in a temporary data directory, or
on the database the PORTAL_* variables name. One command: `make bench-sync`.
"""

import argparse
import importlib.util
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def load_simulator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("tyk_simulator", ROOT / "tools" / "tyk_simulator.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["tyk_simulator"] = module
    spec.loader.exec_module(module)
    return module


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apis", type=int, default=2000)
    parser.add_argument("--policies", type=int, default=10000)
    args = parser.parse_args()

    os.environ.setdefault("PORTAL_DATADIR", tempfile.mkdtemp(prefix="forecourt-bench-sync-"))
    os.environ.setdefault("PORTAL_LOG_LEVEL", "error")
    os.environ["DJANGO_SETTINGS_MODULE"] = "forecourt.settings"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from django.db import connection

    from forecourt.catalog.models import Plan, Product
    from forecourt.providers import sync
    from forecourt.providers.models import Provider

    simulator = load_simulator().TykDashboard(secret="bench-secret", org_id="bench-org")
    simulator.seed_bulk(apis=args.apis, policies=args.policies)
    simulator.start()
    try:
        Provider.objects.filter(name="Bench").delete()
        provider = Provider.objects.create(name="Bench", url=simulator.url, secret="bench-secret",
                                           org_id="bench-org", policy_tags=["portal"])
        rows = []
        for label in ("first sync", "second sync (no change)"):
            counts = {"queries": 0, "writes": 0}

            def count(execute, sql, params, many, context, counts=counts):  # type: ignore[no-untyped-def]
                counts["queries"] += 1
                counts["writes"] += sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
                return execute(sql, params, many, context)

            with connection.execute_wrapper(count):
                started = time.perf_counter()
                report = sync.sync(provider)
                seconds = time.perf_counter() - started
            rows.append((label, seconds, counts["queries"], counts["writes"], report.writes, len(report.problems)))
        print(f"Forecourt sync: {args.policies} policies, {args.apis} APIs from the simulator "
              f"({connection.vendor}); {Product.objects.count()} products, {Plan.objects.count()} plans\n")
        print(f"{'run':<26}{'seconds':>9}{'queries':>9}{'writes':>8}{'rows changed':>14}{'skipped':>9}")
        for label, seconds, queries, writes, changed, skipped in rows:
            print(f"{label:<26}{seconds:>9.2f}{queries:>9}{writes:>8}{changed:>14}{skipped:>9}")
        print("\n'writes' counts every INSERT/UPDATE/DELETE; on a sync with no change they are the provider row's"
              " lock, release and sync time only.")
        return 0 if rows[1][4] == 0 else 1
    finally:
        simulator.stop()


if __name__ == "__main__":
    sys.exit(main())
