"""The benchmark harness's own logic (benchmarks/run.py): reading wrk, ratios, targets, the report.

No server and no load: `make bench` is a report, not a test, but a harness that misreads wrk or
calls a missed target met would make every number it prints worthless.
"""

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def _load(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCHMARKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


run = _load("run")
signups = _load("signups")
big_document = _load("big_document")

WRK_OUTPUT = """Running 10s test @ http://127.0.0.1:8000/hello
  1 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.21ms  400.00us  12.00ms   90.00%
    Req/Sec     6.60k   200.00     7.00k    80.00%
  Latency Distribution
     50%  {p50}
     75%    1.40ms
     90%    1.80ms
     99%  {p99}
  66000 requests in 10.00s, 9.00MB read
{errors}Requests/sec:   {rate}
Transfer/sec:      0.90MB
"""


def wrk_output(p50: str = "1.10ms", p99: str = "3.50ms", rate: str = "6600.12", errors: str = "") -> str:
    return WRK_OUTPUT.format(p50=p50, p99=p99, rate=rate, errors=errors)


def test_wrk_output_is_read_in_milliseconds_whatever_the_unit():
    assert run.parse_wrk(wrk_output(p50="850.00us", p99="1.20s")) == {
        "requests_per_s": 6600.12, "requests": 66000, "p50_ms": 0.85, "p99_ms": 1200.0, "non_2xx": 0,
        "socket_errors": 0}


def test_wrk_errors_are_counted():
    errors = "  Socket errors: connect 0, read 2, write 1, timeout 4\n  Non-2xx or 3xx responses: 7\n"
    parsed = run.parse_wrk(wrk_output(errors=errors))
    assert (parsed["non_2xx"], parsed["socket_errors"]) == (7, 7)


def test_wrk_output_without_a_rate_stops_the_run():
    with pytest.raises(run.BenchError, match="Requests/sec"):
        run.parse_wrk(wrk_output().replace("Requests/sec", "Requests per second"))


def page(rate: float) -> dict[str, Any]:
    return {"requests_per_s": rate, "p50_ms": 1.0, "p99_ms": 2.0, "non_2xx": 0, "socket_errors": 0}


def measured(size_rates: dict[int, dict[str, float]],
             floor: tuple[float, float, float] = (1000.0, 200.0, 80.0)) -> dict[str, Any]:
    """Results as benchmark() builds them: every page at each size with the given req/s; the floor's
    hello, template + query and signed-in template + query at `floor`'s req/s."""
    sizes: dict[str, Any] = {}
    for size, rates in size_rates.items():
        pages = {p.label: page(rates.get(p.label, 1.0)) for p in run.PAGES}
        floor_pages = {label: {**page(rate), "worker_rss_mb": 50.0}
                       for label, rate in zip((run.HELLO, run.CARDS, run.SIGNED_CARDS), floor, strict=True)}
        run.add_ratios(pages, floor_pages)
        sizes[str(size)] = {"floor": floor_pages, "pages": pages,
                            "rss": [{"name": "web worker 1", "pid": 1, "rss_mb": 90.0}]}
    return {"forecourt_version": "0.8.0.dev0", "cpus": 2, "load": {"threads": 1, "connections": 8, "duration_s": 10},
            "sizes": sizes, "signups": {}, "start_to_ready_s": {"runs": [0.5], "median": 0.5}}


def targets(results: dict[str, Any]) -> dict[str, str]:
    return {row["target"]: row["result"] for row in run.evaluate(results)}


def test_each_page_is_a_ratio_of_its_floor_measured_in_the_same_run():
    results = measured({1000: {"anonymous home": 900.0, "signed-in catalogue, q + tag": 150.0}})
    pages = results["sizes"]["1000"]["pages"]
    assert pages["anonymous home"]["ratio_to_floor"] == pytest.approx(0.9)  # of hello (1000)
    assert pages["signed-in catalogue, q + tag"]["ratio_to_floor"] == pytest.approx(0.75)  # of template+query (200)
    assert pages["signed-in catalogue, q + tag"]["vs_hello"] == pytest.approx(0.15)
    assert pages["signed-in catalogue, q + tag"]["vs_signed_in_template_query"] == pytest.approx(1.875)  # of 80
    assert pages["anonymous home"]["vs_signed_in_template_query"] == pytest.approx(11.25)
    assert all("vs_signed_in_template_query" in p for p in pages.values())


def test_the_floor_has_three_pages_on_two_servers_each_compared_with():
    served = [label for server in run.FLOOR_SERVERS for label, _path in server.pages]
    assert sorted(served) == sorted(run.FLOOR_RATIOS) == sorted([run.HELLO, run.CARDS, run.SIGNED_CARDS])
    signed_in = [server for server in run.FLOOR_SERVERS if server.signed_in]
    assert [s.pages for s in signed_in] == [((run.SIGNED_CARDS, "/signed-in-cards"),)]
    assert signed_in[0].settings == run.SIGNED_IN_SETTINGS != "floor.settings"


def test_the_signed_in_floor_adds_a_new_projects_session_and_auth_middleware_only():
    # benchmarks/ is on sys.path (run.py puts it there), as it is for the floor's processes; the
    # settings modules are plain Python, importing them configures nothing.
    plain = importlib.import_module("floor.settings")
    signed_in = importlib.import_module("floor.settings_signed_in")
    assert plain.MIDDLEWARE == ["django.middleware.security.SecurityMiddleware",
                                "django.middleware.common.CommonMiddleware"]
    assert signed_in.MIDDLEWARE == ["django.middleware.security.SecurityMiddleware",
                                    "django.contrib.sessions.middleware.SessionMiddleware",
                                    "django.middleware.common.CommonMiddleware",
                                    "django.contrib.auth.middleware.AuthenticationMiddleware"]
    assert signed_in.INSTALLED_APPS == ["floor", "django.contrib.contenttypes", "django.contrib.auth",
                                        "django.contrib.sessions"]
    assert plain.INSTALLED_APPS == ["floor"]
    assert signed_in.DATABASES == plain.DATABASES  # the same SQLite file


def test_targets_are_met_or_missed_by_their_ratio():
    results = measured({1000: {"anonymous home": 800.0, "anonymous catalogue, page 3": 799.0,
                               "signed-in catalogue, q + tag": 120.0}})
    found = targets(results)
    assert found["anonymous home at 1,000 >= 0.8 x floor: hello"] == "met"  # exactly the bar
    assert found["anonymous catalogue, page 3 at 1,000 >= 0.8 x floor: hello"] == "missed"
    assert found["signed-in catalogue, q + tag at 1,000 >= 0.6 x floor: template + query"] == "met"


def test_the_signed_in_floor_does_not_change_the_signed_in_catalogues_target():
    found = targets(measured({1000: {"signed-in catalogue, q + tag": 100.0}}))  # 0.5 x t+q, 1.25 x signed-in
    assert found["signed-in catalogue, q + tag at 1,000 >= 0.6 x floor: template + query"] == "missed"


def test_a_size_or_part_not_measured_is_said_so_not_passed():
    found = targets(measured({1000: {"Admin API products, 100 a page": 1000.0}}))
    assert found["signed-in catalogue, q + tag at 10,000 >= 0.6 x floor: template + query"] == "not measured"
    assert found["Admin API products, 100 a page at 10,000 >= 0.5 x floor: template + query"] == "not measured"
    assert found["200 concurrent sign-ups on sqlite: 0 errors, p99 < 5 s"] == "not measured"
    assert found["docs page, 1,000 operations: first operation < 1 s"] == "not measured"


def test_sign_ups_need_no_errors_and_a_low_p99():
    results = measured({1000: {}})
    results["signups"] = {"sqlite": {"errors": 0, "p99_s": 4.9}, "postgres": {"errors": 1, "p99_s": 0.5}}
    found = targets(results)
    assert found["200 concurrent sign-ups on sqlite: 0 errors, p99 < 5 s"] == "met"
    assert found["200 concurrent sign-ups on postgres: 0 errors, p99 < 2 s"] == "missed"


def test_a_docs_page_that_never_showed_an_operation_is_missed():
    results = measured({1000: {}})
    results["docs_page"] = {"median_s": None, "loads_s": [None, 0.5, 0.4]}
    rows = {row["target"]: row for row in run.evaluate(results)}
    row = rows["docs page, 1,000 operations: first operation < 1 s"]
    assert (row["result"], row["measured"]) == ("missed", "> 30 s, 0.50 s, 0.40 s")


def test_the_markdown_table_has_every_page_at_every_size_and_every_target():
    results = measured({1000: {"anonymous home": 900.0}, 10000: {"anonymous home": 450.0}})
    results["sizes"]["1000"]["pages"]["anonymous home"]["queries"] = 3
    results["targets"] = run.evaluate(results)
    table = run.markdown(results).splitlines()
    assert "| anonymous home | 1,000 | 900 | 1.0 | 2.0 | 0.90 (hello) | 3 | 90 |" in table
    assert "| anonymous home | 10,000 | 450 | 1.0 | 2.0 | 0.45 (hello) |  | 90 |" in table  # one floor only
    assert "| anonymous home at 10,000 >= 0.8 x floor: hello | 0.45 x | missed |" in table
    assert sum(line.startswith("| floor: ") for line in table) == 6
    assert "| floor: signed-in template + query | 1,000 | 80 | 1.0 | 2.0 | | | 50 |" in table


def test_the_signed_in_catalogue_row_shows_both_floors_and_the_signed_in_ceiling_is_under_the_targets():
    catalogue = "signed-in catalogue, q + tag"
    results = measured({1000: {catalogue: 28.0}, 10000: {catalogue: 20.0}}, floor=(1000.0, 200.0, 70.0))
    at_10000 = results["sizes"]["10000"]
    at_10000["floor"][run.SIGNED_CARDS]["requests_per_s"] = 50.0  # each size against its own floor
    run.add_ratios(at_10000["pages"], at_10000["floor"])
    results["targets"] = run.evaluate(results)
    table = run.markdown(results).splitlines()
    assert f"| {catalogue} | 1,000 | 28 | 1.0 | 2.0 | 0.14 (t+q), 0.40 (signed-in t+q) |  | 90 |" in table
    assert f"| {catalogue} | 10,000 | 20 | 1.0 | 2.0 | 0.10 (t+q), 0.40 (signed-in t+q) |  | 90 |" in table
    assert "| admin users list | 1,000 | 1 | 1.0 | 2.0 | 0.01 (t+q), 0.01 (signed-in t+q) |  | 90 |" in table
    assert f"| {catalogue} at 1,000 >= 0.6 x floor: template + query | 0.14 x | missed |" in table
    ceiling = table.index("signed-in floor / template + query at 1,000: 0.35")
    assert ceiling > table.index("| target | measured | result |")
    assert table.index("signed-in floor / template + query at 10,000: 0.25") > ceiling
    json.dumps(results)  # what goes to latest.json


def test_options():
    quick = run.parse_args(["--quick"])
    assert (quick.sizes, quick.duration) == ([1000], 2)
    assert run.parse_args(["--sizes", "1000,10000"]).sizes == [1000, 10000]
    assert run.parse_args(["--skip", "postgres,docs"]).skip == {"postgres", "docs"}
    for bad in (["--sizes", "ten"], ["--sizes", "5"], ["--skip", "everything"]):
        with pytest.raises(SystemExit):
            run.parse_args(bad)


def test_sign_up_percentiles_are_nearest_rank():
    values = [float(n) for n in range(1, 201)]
    assert (signups.percentile(values, 50), signups.percentile(values, 99)) == (100.0, 198.0)
    assert signups.percentile([], 99) == 0.0


def test_the_big_document_is_a_valid_openapi_document_with_its_operations():
    from forecourt.catalog import documents

    summary = documents.check(json.dumps(big_document.generate(1000)))
    assert summary.operations == 1000
    assert big_document.summary(1) in json.dumps(big_document.generate(5))



def test_alike_log_lines_are_counted_once():
    logs = ("2026-12-05 23:41:09 WARNING forecourt.notify  e-mail skipped  email_log=1 attempts=0\n"
            "2026-12-05 23:41:11 WARNING forecourt.notify  e-mail skipped  email_log=2 attempts=0\n"
            "2026-12-05 23:41:12 INFO    forecourt.startup  serving\n"
            "2026-12-05 23:41:13 ERROR   forecourt.jobs  a job failed\n")
    assert run.log_problems(logs) == [("WARNING forecourt.notify  e-mail skipped", 2),
                                      ("ERROR   forecourt.jobs  a job failed", 1)]
