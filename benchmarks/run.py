"""`make bench`: start-up time, throughput, latency and memory of `forecourt serve`.

A report, not a test: it prints a table, writes benchmarks/results/latest.json and exits 0
even when a target is missed. It exits 1 only when it cannot measure (wrk missing, the
server not becoming ready). Everything runs on 127.0.0.1 against a throw-away SQLite data
directory; every wait is bounded.
"""

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FORECOURT = [sys.executable, "-m", "forecourt"]
RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"

# The pages under load, floor first: later pages are reported as a ratio of the floor's req/s.
# (label, path, signed in as an admin?). The first is the floor the others are compared with.
PAGES = [
    ("/live", "/live", False),
    ("sign-in page", "/portal-admin/sign-in/", False),
    ("users list (500 rows)", "/portal-admin/users/", True),
    ("products list (500 rows)", "/portal-admin/products/", True),
    ("API: organisations list", "/portal-api/organisations", True),
]

READY_TARGET_S = 2.0  # ready within 2 s when there is nothing to migrate
RSS_TARGET_MB = 150.0  # per worker process

READY_TIMEOUT_S = 60.0
MIGRATE_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 30.0  # the supervisor gives its children 20 s
POLL_INTERVAL_S = 0.02
WARM_UP_REQUESTS = 20
WRK_SLACK_S = 30.0

LATENCY_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


class BenchError(Exception):
    """The benchmark cannot go on; the message says why (and includes the server log)."""


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


# -- set-up ------------------------------------------------------------------------------------
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per page (default 10)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--starts", type=int, default=3, help="cold starts to take the median of (default 3)")
    parser.add_argument("--workers", type=int, default=None,
                        help="set PORTAL_WORKERS (default: unset, the server picks from the CPU count)")
    parser.add_argument("--quick", action="store_true", help="2 s of load per page, for a smoke run")
    parser.add_argument("--output", type=Path, default=RESULTS, help=f"JSON results (default {RESULTS})")
    args = parser.parse_args(argv)
    if args.quick:
        args.duration = 2
    if min(args.duration, args.connections, args.threads, args.starts) < 1:
        parser.error("--duration, --connections, --threads and --starts must be at least 1")
    if args.threads > args.connections:
        parser.error("wrk needs at least as many connections as threads")
    return args


def require_wrk() -> str:
    """wrk is the load generator; without it there is nothing to measure."""
    path = shutil.which("wrk")
    if path is None:
        raise BenchError("wrk not found: install wrk: apt-get install wrk")
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(data_dir: Path, workers: int | None) -> dict[str, str]:
    """This environment minus any PORTAL_* settings of the caller's, so runs are comparable."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "TYK_PORTAL_"))}
    env.update({"PORTAL_DATADIR": str(data_dir), "PORTAL_LOG_LEVEL": "warn",
                "PORTAL_LISTENADDRESS": "127.0.0.1"})
    if workers:
        env["PORTAL_WORKERS"] = str(workers)
    return env


def migrate(env: dict[str, str], cwd: Path) -> None:
    """Migrate once beforehand so the measured starts have nothing to migrate; add the seed data."""
    result = subprocess.run([*FORECOURT, "migrate"], env=env, cwd=cwd, capture_output=True, text=True,
                            timeout=MIGRATE_TIMEOUT_S, check=False)
    if result.returncode != 0:
        raise BenchError(f"forecourt migrate failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    seed = subprocess.run([sys.executable, str(Path(__file__).with_name("seed.py"))], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=MIGRATE_TIMEOUT_S, check=False)
    if seed.returncode != 0:
        raise BenchError(f"seeding failed ({seed.returncode}):\n{seed.stdout}{seed.stderr}")


def sign_in(server: Server) -> dict[str, str]:
    """Headers that carry a signed-in admin: the session cookie (pages) and an API token (/portal-api)."""
    import http.cookiejar
    import urllib.parse

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(server.url + "/portal-admin/sign-in/", timeout=5).read()
    csrf = next(c.value for c in jar if c.name == "portal-csrftoken")
    form = urllib.parse.urlencode({"username": "bench-admin@example.com", "password": "bench-admin-passphrase",
                                   "csrfmiddlewaretoken": csrf}).encode()
    opener.open(urllib.request.Request(server.url + "/portal-admin/sign-in/", data=form), timeout=5).read()
    cookies = "; ".join(f"{c.name}={c.value}" for c in jar)
    if "portal-session=" not in cookies:
        raise BenchError("could not sign in as the benchmark's admin")
    return {"Cookie": cookies}


def page_headers(path: str, signed_in: bool, session: dict[str, str], token: str) -> dict[str, str]:
    if not signed_in:
        return {}
    return {"Authorization": token} if path.startswith("/portal-api/") else session


# -- the server --------------------------------------------------------------------------------
def http_get(url: str, timeout: float = 2.0, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def start_server(env: dict[str, str], cwd: Path) -> tuple[Server, float]:
    """Start `forecourt serve` as an operator would; return it and the seconds to the first /ready 200.

    The clock starts just before the process is spawned, so interpreter and Django start-up,
    the migration check and the workers' schema checks are all counted.
    """
    port = free_port()
    log_path = cwd / f"serve-{port}.log"
    with log_path.open("wb") as log:
        started = time.monotonic()
        proc = subprocess.Popen([*FORECOURT, "serve"], env={**env, "PORTAL_HOSTPORT": str(port)}, cwd=cwd,
                                stdout=log, stderr=subprocess.STDOUT)
    server = Server(proc, port, log_path)
    deadline = started + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError(f"forecourt serve exited ({proc.returncode}) before /ready:\n{server.log()}")
        try:
            if http_get(server.url + "/ready", timeout=1.0)[0] == 200:
                return server, time.monotonic() - started
        except OSError:
            pass  # not listening yet
        time.sleep(POLL_INTERVAL_S)
    stop_server(server)
    raise BenchError(f"/ready did not answer 200 within {READY_TIMEOUT_S:.0f} s:\n{server.log()}")


def stop_server(server: Server) -> int:
    """SIGTERM, as a process manager would; SIGKILL what is left after the grace period."""
    spawned = {pid: command_line(pid) for pid in descendants(server.proc.pid)}
    if server.proc.poll() is None:
        server.proc.send_signal(signal.SIGTERM)
        try:
            server.proc.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait()
    for pid, argv in spawned.items():  # children the supervisor left behind; same pid *and* command
        if argv and command_line(pid) == argv:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
    return server.proc.returncode


def forecourt_version(server: Server) -> str:
    status, body = http_get(server.url + "/ready")
    return str(json.loads(body).get("version", "?")) if status == 200 else "?"


def measure_starts(env: dict[str, str], cwd: Path, count: int) -> tuple[Server, list[float]]:
    """Start the server `count` times; keep the last one running for the load."""
    times: list[float] = []
    for attempt in range(count):
        server, seconds = start_server(env, cwd)
        times.append(seconds)
        if attempt < count - 1:
            stop_server(server)
    return server, times


# -- load --------------------------------------------------------------------------------------
def credentials(server: Server, data_dir: Path) -> tuple[dict[str, str], str]:
    """The signed-in admin's session cookie and Admin API token (see seed.py)."""
    return sign_in(server), (data_dir / "bench-api-token").read_text().strip()


def warm_up(server: Server, session: dict[str, str], token: str) -> None:
    """A few requests per page, so template loading and first connections are not in the numbers.

    Also checks that every page answers 200, so a broken page cannot pass as a fast one.
    """
    for _, path, signed_in in PAGES:
        for _ in range(WARM_UP_REQUESTS):
            status, _body = http_get(server.url + path, headers=page_headers(path, signed_in, session, token))
            if status != 200:
                raise BenchError(f"{path} answered {status} during warm-up")


def run_wrk(wrk: str, url: str, args: argparse.Namespace, headers: dict[str, str]) -> dict[str, Any]:
    command = [wrk, f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command.append(url)
    result = subprocess.run(command, capture_output=True, text=True, timeout=args.duration + WRK_SLACK_S,
                            check=False)
    if result.returncode != 0:
        raise BenchError(f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    return parse_wrk(result.stdout)


def parse_wrk(output: str) -> dict[str, Any]:
    """Requests/s, p50 and p99 (ms), and the error counts wrk prints only when there are any."""

    def latency_ms(percent: str) -> float:
        match = re.search(rf"^\s*{percent}%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.MULTILINE)
        if not match:
            raise BenchError(f"no {percent}% latency in wrk's output:\n{output}")
        return float(match[1]) * LATENCY_UNITS[match[2]]

    rate = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    if not rate:
        raise BenchError(f"no Requests/sec in wrk's output:\n{output}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return {
        "requests_per_s": float(rate[1]),
        "p50_ms": latency_ms("50"),
        "p99_ms": latency_ms("99"),
        "non_2xx": int(non_2xx[1]) if non_2xx else 0,
        "socket_errors": sum(int(n) for n in socket_errors.groups()) if socket_errors else 0,
    }


def measure_pages(wrk: str, server: Server, args: argparse.Namespace, session: dict[str, str],
                  token: str) -> dict[str, dict[str, Any]]:
    """Load each page in turn; later pages get their req/s as a ratio of the floor's, same run."""
    results = {label: run_wrk(wrk, server.url + path, args, page_headers(path, signed_in, session, token))
               for label, path, signed_in in PAGES}
    floor = results[PAGES[0][0]]["requests_per_s"]
    for page in results.values():
        page["ratio_to_floor"] = page["requests_per_s"] / floor if floor else 0.0
    return results


# -- memory ------------------------------------------------------------------------------------
def process_table() -> dict[int, int]:
    """pid -> ppid for every process, from /proc/<pid>/stat (the name may contain spaces and ')')."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # exited meanwhile
        parents[int(entry.name)] = int(stat[stat.rindex(")") + 2:].split()[1])
    return parents


def children(pid: int, parents: dict[int, int]) -> list[int]:
    return sorted(child for child, parent in parents.items() if parent == pid)


def descendants(pid: int) -> list[int]:
    parents = process_table()
    found, todo = [], children(pid, parents)
    while todo:
        child = todo.pop()
        found.append(child)
        todo.extend(children(child, parents))
    return found


def command_line(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return []


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def worker_memory(server: Server) -> list[dict[str, Any]]:
    """RSS of each granian worker (children of the granian main process) and of the job worker."""
    parents = process_table()
    rows: list[dict[str, Any]] = []
    for child in children(server.proc.pid, parents):
        argv = command_line(child)
        if "granian" in argv:
            for number, worker in enumerate(children(child, parents), 1):
                rows.append({"name": f"web worker {number}", "pid": worker, "rss_mb": rss_mb(worker)})
        elif "worker" in argv:
            rows.append({"name": "job worker", "pid": child, "rss_mb": rss_mb(child)})
    if not rows:
        raise BenchError(f"no worker processes found under pid {server.proc.pid}:\n{server.log()}")
    return rows


# -- report ------------------------------------------------------------------------------------
def verdict(passed: bool) -> str:
    return "PASS" if passed else "FAIL"


def table_rows(results: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    ready = results["start_to_ready_s"]
    rows = [(f"start to ready (median of {len(ready['runs'])})", f"{ready['median']:.2f} s",
             f"<= {READY_TARGET_S:g} s", verdict(ready["pass"]))]
    for label, page in results["pages"].items():
        rows += [(f"{label} req/s", f"{page['requests_per_s']:.0f}", "", ""),
                 (f"{label} p50", f"{page['p50_ms']:.2f} ms", "", ""),
                 (f"{label} p99", f"{page['p99_ms']:.2f} ms", "", "")]
    for worker in results["rss"]["workers"]:
        rows.append((f"RSS {worker['name']} (pid {worker['pid']})", f"{worker['rss_mb']:.1f} MB",
                     f"< {RSS_TARGET_MB:g} MB", verdict(worker["rss_mb"] < RSS_TARGET_MB)))
    return rows


def print_report(results: dict[str, Any], server_log: str) -> None:
    load = results["load"]
    print(f"\nForecourt {results['forecourt_version']}: {results['web_workers']} web workers, "
          f"{results['cpus']} CPUs, wrk -t{load['threads']} -c{load['connections']} -d{load['duration_s']}s "
          "on 127.0.0.1 (load generator and server share the CPUs)\n")
    header = ("metric", "value", "target", "result")
    rows = [header, *table_rows(results)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    for label, page in results["pages"].items():
        if page["non_2xx"] or page["socket_errors"]:
            print(f"\nnote: {label}: {page['non_2xx']} non-2xx/3xx responses, "
                  f"{page['socket_errors']} socket errors under load")
    if results["serve_exit_code"] != 0:
        print(f"\nnote: forecourt serve exited with {results['serve_exit_code']} on SIGTERM (expected 0)")
    noisy = [line for line in server_log.splitlines() if re.search(r"WARNING|ERROR|CRITICAL|Traceback", line)]
    if noisy:
        print("\nserver log (warnings and errors during the run):")
        print("\n".join("  " + line for line in noisy))
    print(f"\nresults: {results['output']} (server log: {Path(results['output']).with_suffix('.serve.log')})")


def write_results(results: dict[str, Any], server_log: str, path: Path) -> None:
    """The JSON for comparisons, and the measured server's log beside it for diagnosis."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2) + "\n")
    path.with_suffix(".serve.log").write_text(server_log)


# -- main --------------------------------------------------------------------------------------
def benchmark(args: argparse.Namespace, wrk: str, work: Path) -> tuple[dict[str, Any], str]:
    """Starts, load, memory, stop; the server is stopped whatever happens. Returns results and its log."""
    env = server_env(work / "data", args.workers)
    migrate(env, work)
    print(f"measuring {args.starts} start(s) to /ready ...", flush=True)
    server, times = measure_starts(env, work, args.starts)
    try:
        version = forecourt_version(server)
        session, token = credentials(server, work / "data")
        warm_up(server, session, token)
        print(f"loading {', '.join(path for _, path, _ in PAGES)} for {args.duration} s each ...", flush=True)
        pages = measure_pages(wrk, server, args, session, token)
        workers = worker_memory(server)
    finally:
        exit_code = stop_server(server)
    median = statistics.median(times)
    rss_values = [w["rss_mb"] for w in workers]
    results: dict[str, Any] = {
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "forecourt_version": version,
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
        "web_workers": sum(1 for w in workers if w["name"].startswith("web")),
        "load": {"tool": "wrk", "threads": args.threads, "connections": args.connections,
                 "duration_s": args.duration},
        "start_to_ready_s": {"runs": times, "median": median, "target": READY_TARGET_S,
                             "pass": median <= READY_TARGET_S},
        "pages": pages,
        "floor": PAGES[0][0],
        "rss": {"workers": workers, "max_mb": max(rss_values), "target_mb": RSS_TARGET_MB,
                "pass": max(rss_values) < RSS_TARGET_MB},
        "serve_exit_code": exit_code,
        "output": str(args.output),
    }
    return results, server.log()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        wrk = require_wrk()
        with tempfile.TemporaryDirectory(prefix="forecourt-bench-") as tmp:
            results, server_log = benchmark(args, wrk, Path(tmp))
    except (BenchError, subprocess.TimeoutExpired, OSError) as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    write_results(results, server_log, args.output)
    print_report(results, server_log)
    return 0


if __name__ == "__main__":
    sys.exit(main())
