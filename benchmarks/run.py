"""`make bench`: Forecourt's pages against a plain Django floor, at 1,000 and 10,000 products.

A report, not a test: it prints a table (and a Markdown one for release notes), writes
benchmarks/results/latest.json and exits 0 even when a target is missed. It exits 1 only when
it cannot measure (wrk missing, a server not becoming ready, a page not answering 200).

The server under test runs one web worker pinned to core 0 (taskset -c 0); wrk, the sign-up
client and chromium run on core 1. The floor (benchmarks/floor/, plain Django + Jinja2) is
served the same way in the same run, and each Forecourt page is reported as a ratio of it.
Everything runs on 127.0.0.1 in throw-away data directories; every wait is bounded.
"""

import argparse
import contextlib
import importlib.util
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
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import big_document  # noqa: E402
import dataset  # noqa: E402
import signups  # noqa: E402

FORECOURT = [sys.executable, "-m", "forecourt"]
RESULTS = HERE / "results" / "latest.json"

HELLO, CARDS = "floor: hello", "floor: template + query"
SIGNED_CARDS = "floor: signed-in template + query"
# Each floor page: its key in every page's results (the page's req/s over the floor page's) and
# its short name in the report.
FLOOR_RATIOS = {HELLO: ("vs_hello", "hello"), CARDS: ("vs_template_query", "t+q"),
                SIGNED_CARDS: ("vs_signed_in_template_query", "signed-in t+q")}
SIGNED_IN_SETTINGS = "floor.settings_signed_in"
SESSION_COOKIE = "sessionid"  # Django's default SESSION_COOKIE_NAME


@dataclass(frozen=True)
class FloorServer:
    """One granian server of the floor app: its settings module and the pages loaded on it."""

    settings: str
    pages: tuple[tuple[str, str], ...]  # (label, path)
    signed_in: bool = False  # its pages are requested with floor.session's session cookie


# Two servers, so the hello and template + query pages keep their two middleware while the
# signed-in page has sessions and auth (floor/settings_signed_in.py).
FLOOR_SERVERS = [FloorServer("floor.settings", ((HELLO, "/hello"), (CARDS, "/cards"))),
                 FloorServer(SIGNED_IN_SETTINGS, ((SIGNED_CARDS, "/signed-in-cards"),), signed_in=True)]


@dataclass(frozen=True)
class Page:
    label: str
    path: str
    who: str  # anonymous, admin (session), consumer (session) or token (Admin API)
    floor: str  # the floor page it is compared with (its target's, if it has one)
    also: tuple[str, ...] = ()  # floor pages the report shows its ratio to as well


SEARCH = urllib.parse.urlencode({"q": dataset.SEARCH_WORD, "tag": dataset.SEARCH_TAG})
PAGES = [
    Page("/live", "/live", "anonymous", HELLO),
    Page("admin sign-in page", "/portal-admin/sign-in/", "anonymous", HELLO),
    Page("anonymous home", "/", "anonymous", HELLO),
    Page("anonymous catalogue, page 3", "/catalogue-products?page=3", "anonymous", HELLO),
    Page("anonymous product page", f"/catalogue-products/{dataset.SAMPLE_PRODUCT_SLUG}", "anonymous", HELLO),
    Page("signed-in catalogue, q + tag", f"/catalogue-products?{SEARCH}", "consumer", CARDS, (SIGNED_CARDS,)),
    Page("Admin API products, 100 a page", "/portal-api/products?per_page=100", "token", CARDS),
    Page("Admin API organisations", "/portal-api/organisations", "token", CARDS),
    Page("admin users list", "/portal-admin/users/", "admin", CARDS, (SIGNED_CARDS,)),
    Page("admin products list", "/portal-admin/products/", "admin", CARDS, (SIGNED_CARDS,)),
]


@dataclass(frozen=True)
class Target:
    """A page's req/s at least `ratio` x a floor page's, at `sizes` (None: every size measured)."""

    page: str
    floor: str
    ratio: float
    sizes: tuple[int, ...] | None = None


RATIO_TARGETS = [
    Target("anonymous catalogue, page 3", HELLO, 0.8),
    Target("anonymous product page", HELLO, 0.8),
    Target("anonymous home", HELLO, 0.8),
    Target("signed-in catalogue, q + tag", CARDS, 0.6, (1000, 10000)),
    Target("Admin API products, 100 a page", CARDS, 0.5, (10000,)),
]
SIGNUPS = 200
SIGNUP_P99_TARGET_S = {"sqlite": 5.0, "postgres": 2.0}
DOCS_TARGET_S = 1.0
DOCS_LOADS = 3
READY_TARGET_S = 2.0  # ready within 2 s when there is nothing to migrate
RSS_TARGET_MB = 150.0  # per worker process

READY_TIMEOUT_S = 60.0
SETUP_TIMEOUT_S = 300.0
STOP_TIMEOUT_S = 30.0  # the supervisor gives its children 20 s
POLL_INTERVAL_S = 0.02
WARM_UP_REQUESTS = 5
WRK_SLACK_S = 30.0
WRK_TIMEOUT = "10s"  # a slow page is measured as slow, not counted as socket timeouts
DOCS_TIMEOUT_S = 30.0
SERVER_CORE, CLIENT_CORE = 0, 1
POSTGRES = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}

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


@dataclass
class Credentials:
    headers: dict[str, dict[str, str]] = field(default_factory=dict)  # who -> request headers

    def for_page(self, page: Page) -> dict[str, str]:
        return self.headers.get(page.who, {})


# -- set-up ------------------------------------------------------------------------------------
def parse_sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of whole numbers: {text!r}") from None
    if not sizes or min(sizes) < 20:
        raise argparse.ArgumentTypeError("each size must be at least 20 products (page 3 needs 41)")
    return sizes


SKIPPABLE = ("signups", "postgres", "docs")


def parse_skip(text: str) -> set[str]:
    parts = {part.strip() for part in text.split(",") if part.strip()}
    unknown = parts - set(SKIPPABLE)
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown part(s) {', '.join(sorted(unknown))}; choose from {SKIPPABLE}")
    return parts


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", type=parse_sizes, default=[1000, 10000],
                        help="published products to measure at, comma-separated (default 1000,10000)")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per page (default 10)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (default 8)")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (default 1)")
    parser.add_argument("--starts", type=int, default=3, help="cold starts to take the median of (default 3)")
    parser.add_argument("--skip", type=parse_skip, default=set(),
                        help=f"leave out parts, comma-separated: {', '.join(SKIPPABLE)}")
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: 1,000 products only, 2 s of load per page, one start")
    parser.add_argument("--output", type=Path, default=RESULTS, help=f"JSON results (default {RESULTS})")
    args = parser.parse_args(argv)
    if args.quick:
        args.duration, args.starts, args.sizes = 2, 1, [1000]
    if min(args.duration, args.connections, args.threads, args.starts) < 1:
        parser.error("--duration, --connections, --threads and --starts must be at least 1")
    if args.threads > args.connections:
        parser.error("wrk needs at least as many connections as threads")
    return args


def require_wrk() -> str:
    """wrk is the load generator; without it there is nothing to measure."""
    path = shutil.which("wrk")
    if path is None:
        raise BenchError("wrk not found: install wrk (scripts/system-deps does, or apt-get install wrk)")
    return path


def pinned(core: int) -> list[str]:
    """`taskset -c CORE`, when there are two cores to split and taskset to split them with."""
    if (os.cpu_count() or 1) < 2 or shutil.which("taskset") is None:
        return []
    return ["taskset", "-c", str(core)]


def pin_this_process() -> None:
    """The harness (and so the sign-up client, chromium and any child) stays off the server's core."""
    if pinned(CLIENT_CORE):
        os.sched_setaffinity(0, {CLIENT_CORE})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def blocking_threads() -> int:
    """The threads of Forecourt's web worker (ops/server.py's BLOCKING_THREADS), for the floor.

    Read from the source, because importing the module needs Django set up; the run checks it
    against the running server's granian command line (`threads_checked`)."""
    spec = importlib.util.find_spec("forecourt")
    if spec is None or not spec.submodule_search_locations:
        raise BenchError("forecourt is not importable: run from the project's virtualenv")
    source = (Path(next(iter(spec.submodule_search_locations))) / "ops" / "server.py").read_text()
    match = re.search(r"^BLOCKING_THREADS = (\d+)", source, re.MULTILINE)
    if not match:
        raise BenchError("BLOCKING_THREADS not found in forecourt/ops/server.py")
    return int(match[1])


def server_env(data_dir: Path, database: dict[str, str] | None = None) -> dict[str, str]:
    """This environment minus any PORTAL_* settings of the caller's, so runs are comparable.

    One web worker. 127.0.0.1 is a trusted proxy so the sign-up client can give each visitor its
    own address (X-Forwarded-For); without it the per-network sign-up throttle answers 429.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "TYK_PORTAL_"))}
    env.update({"PORTAL_DATADIR": str(data_dir), "PORTAL_LOG_LEVEL": "warn", "PORTAL_LISTENADDRESS": "127.0.0.1",
                "PORTAL_WORKERS": "1", "PORTAL_TRUSTED_PROXIES": "127.0.0.1", **(database or {})})
    return env


def run_step(command: list[str], env: dict[str, str], cwd: Path, what: str, stdin: str | None = None) -> str:
    result = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, input=stdin,
                            timeout=SETUP_TIMEOUT_S, check=False)
    if result.returncode != 0:
        raise BenchError(f"{what} failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    return result.stdout


def prepare(env: dict[str, str], cwd: Path, products: int) -> dict[str, Any]:
    """Migrate beforehand (the measured starts have nothing to migrate) and seed; seed.py's facts."""
    Path(env["PORTAL_DATADIR"]).mkdir(parents=True, exist_ok=True)
    run_step([*FORECOURT, "migrate"], env, cwd, "forecourt migrate")
    run_step([sys.executable, str(HERE / "seed.py"), str(products)], env, cwd, "seeding")
    return dict(json.loads((Path(env["PORTAL_DATADIR"]) / dataset.SEED_FILE).read_text()))


# -- HTTP --------------------------------------------------------------------------------------
def http_get(url: str, timeout: float = 2.0, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def sign_in(server: Server, path: str, email: str, password: str) -> dict[str, str]:
    """The Cookie header of a session signed in through the form at `path`."""
    import http.cookiejar

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(server.url + path, timeout=60).read()
    csrf = next((c.value for c in jar if c.name == "portal-csrftoken"), "")
    form = urllib.parse.urlencode({"username": email, "email": email, "password": password,
                                   "csrfmiddlewaretoken": csrf}).encode()
    opener.open(urllib.request.Request(server.url + path, data=form, headers={"Referer": server.url + path}),
                timeout=60).read()
    cookies = "; ".join(f"{c.name}={c.value}" for c in jar)
    if "portal-session=" not in cookies:
        raise BenchError(f"could not sign in as {email} at {path}")
    return {"Cookie": cookies}


def credentials(server: Server, data_dir: Path) -> Credentials:
    """The signed-in admin's and consumer's session cookies, and the admin's Admin API token (seed.py)."""
    token = (data_dir / dataset.TOKEN_FILE).read_text().strip()
    return Credentials({
        "admin": sign_in(server, "/portal-admin/sign-in/", dataset.ADMIN_EMAIL, dataset.ADMIN_PASSWORD),
        "consumer": sign_in(server, "/auth/password/login", dataset.CONSUMER_EMAIL, dataset.CONSUMER_PASSWORD),
        "token": {"Authorization": token},
    })


def upload_big_document(server: Server, creds: Credentials, seeded: dict[str, Any]) -> None:
    """The 1,000-operation document, through the Admin API: the path an admin's upload takes."""
    body = json.dumps(big_document.generate(dataset.BIG_OPERATIONS)).encode()
    url = (f"{server.url}/portal-api/products/{seeded['big_product_id']}/api-details/{dataset.BIG_API_ID}/oas")
    request = urllib.request.Request(url, data=body, method="PUT",
                                     headers={**creds.headers["token"], "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        raise BenchError(f"uploading the big document answered {exc.code}: {exc.read()[:500]!r}") from None


# -- servers -----------------------------------------------------------------------------------
def wait_ready(server: Server, started: float, path: str) -> float:
    deadline = started + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise BenchError(f"the server exited ({server.proc.returncode}) before {path} answered:\n{server.log()}")
        try:
            if http_get(server.url + path, timeout=1.0)[0] == 200:
                return time.monotonic() - started
        except OSError:
            pass  # not listening yet
        time.sleep(POLL_INTERVAL_S)
    stop_server(server)
    raise BenchError(f"{path} did not answer 200 within {READY_TIMEOUT_S:.0f} s:\n{server.log()}")


def start_server(env: dict[str, str], cwd: Path) -> tuple[Server, float]:
    """Start `forecourt serve` as an operator would, pinned to the server's core; return it and the
    seconds to the first /ready 200 (interpreter and Django start-up, the migration check and the
    worker's schema check all counted)."""
    port = free_port()
    log_path = cwd / f"serve-{port}.log"
    with log_path.open("wb") as log:
        started = time.monotonic()
        proc = subprocess.Popen([*pinned(SERVER_CORE), *FORECOURT, "serve"], env={**env, "PORTAL_HOSTPORT": str(port)},
                                cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
    server = Server(proc, port, log_path)
    return server, wait_ready(server, started, "/ready")


def floor_env(database: Path, settings: str) -> dict[str, str]:
    """The environment of the floor app (its server and its set-up commands) with `settings`."""
    return {**os.environ, "FLOOR_DATABASE": str(database), "DJANGO_SETTINGS_MODULE": settings,
            "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}


def start_floor(database: Path, threads: int, cwd: Path, settings: str) -> Server:
    """The floor app with `settings` under granian exactly as Forecourt's web worker runs: WSGI,
    one worker, same threads."""
    port = free_port()
    log_path = cwd / f"floor-{port}.log"
    env = floor_env(database, settings)
    with log_path.open("wb") as log:
        started = time.monotonic()
        proc = subprocess.Popen(
            [*pinned(SERVER_CORE), sys.executable, "-m", "granian", "--interface", "wsgi", "--host", "127.0.0.1",
             "--port", str(port), "--workers", "1", "--blocking-threads", str(threads), "--no-ws",
             "--log-level", "warning", "floor.wsgi:application"],
            env=env, cwd=HERE, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    server = Server(proc, port, log_path)
    wait_ready(server, started, "/hello")
    return server


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
    for pid, argv in spawned.items():  # children left behind; same pid *and* command
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
def warm_up(server: Server, paths: list[tuple[str, dict[str, str]]]) -> None:
    """A few requests per page, so template loading, caches and first connections are not in the
    numbers. Also checks that every page answers 200, so a broken page cannot pass as a fast one."""
    for path, headers in paths:
        for _ in range(WARM_UP_REQUESTS):
            status, _body = http_get(server.url + path, timeout=30.0, headers=headers)
            if status != 200:
                raise BenchError(f"{path} answered {status} during warm-up")


def run_wrk(wrk: str, url: str, args: argparse.Namespace, headers: dict[str, str]) -> dict[str, Any]:
    command = [*pinned(CLIENT_CORE), wrk, f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s",
               f"--timeout={WRK_TIMEOUT}", "--latency"]
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
    completed = re.search(r"^\s*(\d+) requests in", output, re.MULTILINE)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return {
        "requests_per_s": float(rate[1]),
        "requests": int(completed[1]) if completed else None,
        "p50_ms": latency_ms("50"),
        "p99_ms": latency_ms("99"),
        "non_2xx": int(non_2xx[1]) if non_2xx else 0,
        "socket_errors": sum(int(n) for n in socket_errors.groups()) if socket_errors else 0,
    }


def count_queries(env: dict[str, str], cwd: Path) -> dict[str, dict[str, Any]]:
    """Queries per request of each page (benchmarks/queries.py, in-process against the same database)."""
    pages = [{"label": p.label, "path": p.path, "as": p.who} for p in PAGES]
    output = run_step([sys.executable, str(HERE / "queries.py")], env, cwd, "counting queries", json.dumps(pages))
    return dict(json.loads(output))


def ratio(rate: float, floor_rate: float) -> float:
    """req/s over a floor page's req/s (0 when the floor completed nothing)."""
    return rate / floor_rate if floor_rate else 0.0


def add_ratios(pages: dict[str, dict[str, Any]], floor: dict[str, dict[str, Any]]) -> None:
    """Each page's req/s as a share of each floor page measured in the same run."""
    for label, page in pages.items():
        compared = next(p.floor for p in PAGES if p.label == label)
        page["floor"] = compared
        for floor_label, (key, _short) in FLOOR_RATIOS.items():
            page[key] = ratio(page["requests_per_s"], floor[floor_label]["requests_per_s"])
        page["ratio_to_floor"] = page[FLOOR_RATIOS[compared][0]]


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


def granian_threads(server: Server) -> int | None:
    """--blocking-threads of the granian process under `serve`, to check the floor runs the same."""
    for child in children(server.proc.pid, process_table()):
        argv = command_line(child)
        if "granian" in argv and "--blocking-threads" in argv:
            return int(argv[argv.index("--blocking-threads") + 1])
    return None


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


def floor_worker_rss(server: Server) -> float:
    workers = children(server.proc.pid, process_table())
    return rss_mb(workers[0]) if workers else 0.0


# -- the parts ---------------------------------------------------------------------------------
def sign_in_on_floor(database: Path) -> dict[str, str]:
    """The auth and sessions tables (Django's migrate with the signed-in settings), then a user and
    a signed-in session (floor.session): the Cookie header of the floor's signed-in page."""
    env = floor_env(database, SIGNED_IN_SETTINGS)
    run_step([sys.executable, "-m", "django", "migrate", "--noinput"], env, HERE, "migrating the signed-in floor")
    session_key = run_step([sys.executable, "-m", "floor.session", str(database)], env, HERE,
                           "signing in on the floor").strip()
    return {"Cookie": f"{SESSION_COOKIE}={session_key}"}


def measure_floor(wrk: str, args: argparse.Namespace, work: Path, products: int, threads: int) -> dict[str, Any]:
    """The floor at this size: its table has as many rows as Forecourt has products. Each of
    FLOOR_SERVERS in turn on the same SQLite file, each page warmed up (200) and then loaded."""
    database = work / "floor.sqlite3"
    run_step([sys.executable, "-m", "floor.seed", str(database), str(products)],
             floor_env(database, "floor.settings"), HERE, "seeding the floor")
    signed_in = sign_in_on_floor(database)
    pages: dict[str, Any] = {}
    for floor in FLOOR_SERVERS:
        headers = signed_in if floor.signed_in else {}
        server = start_floor(database, threads, work, floor.settings)
        try:
            warm_up(server, [(path, headers) for _, path in floor.pages])
            loaded = {label: run_wrk(wrk, server.url + path, args, headers) for label, path in floor.pages}
            worker_rss = floor_worker_rss(server)
        finally:
            stop_server(server)
        pages.update({label: {**page, "worker_rss_mb": worker_rss} for label, page in loaded.items()})
    return pages


def measure_docs_page(server: Server, seeded: dict[str, Any]) -> dict[str, Any]:
    """Seconds from navigating to the big API's docs page to its first operation on screen, in a
    fresh browser context each time (nothing cached), median of DOCS_LOADS."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    url = f"{server.url}/catalogue-products/{dataset.BIG_PRODUCT_SLUG}/{seeded['big_api_pk']}/docs"
    first = big_document.summary(1)
    loads: list[float | None] = []
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"]  # as tests/support/browser.py
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=args)
        try:
            for _ in range(DOCS_LOADS):
                context = browser.new_context()
                page = context.new_page()
                started = time.monotonic()
                try:
                    page.goto(url, wait_until="commit", timeout=DOCS_TIMEOUT_S * 1000)
                    page.get_by_text(first, exact=True).first.wait_for(state="visible",
                                                                       timeout=DOCS_TIMEOUT_S * 1000)
                    loads.append(time.monotonic() - started)
                except PlaywrightTimeout:  # a result: not within DOCS_TIMEOUT_S
                    loads.append(None)
                finally:
                    context.close()
        finally:
            browser.close()
    measured = [seconds for seconds in loads if seconds is not None]
    return {"url_path": url.removeprefix(server.url), "operations": dataset.BIG_OPERATIONS, "first_operation": first,
            "loads_s": loads, "median_s": statistics.median(measured) if len(measured) == len(loads) else None,
            "target_s": DOCS_TARGET_S}


@contextlib.contextmanager
def postgres_database() -> Any:
    """A throw-away PostgreSQL database on 127.0.0.1:5432 (trust), dropped afterwards."""
    import psycopg

    name = f"forecourt_bench_{os.getpid()}"
    try:
        admin = psycopg.connect(dbname="postgres", autocommit=True, connect_timeout=5, **POSTGRES)
    except psycopg.Error as exc:
        raise BenchError(f"PostgreSQL at {POSTGRES['host']}:{POSTGRES['port']} is not reachable: {exc}") from None
    try:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            url = f"postgres://{POSTGRES['user']}@{POSTGRES['host']}:{POSTGRES['port']}/{name}"
            yield {"PORTAL_DATABASE_DIALECT": "postgres", "PORTAL_DATABASE_CONNECTIONSTRING": url}
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.close()


def measure_signups(server: Server) -> dict[str, Any]:
    return signups.run(server.url, SIGNUPS, SIGNUPS)


def measure_postgres_signups(work: Path) -> dict[str, Any]:
    """Sign-ups against a server on a fresh PostgreSQL database (a few products are enough)."""
    with postgres_database() as database:
        env = server_env(work / "data-postgres", database)
        prepare(env, work, 20)
        server, _ = start_server(env, work)
        try:
            warm_up(server, [("/auth/password/register", {})])
            return measure_signups(server)
        finally:
            stop_server(server)


# -- targets and the report --------------------------------------------------------------------
def verdict(met: bool | None) -> str:
    return "not measured" if met is None else ("met" if met else "missed")


def evaluate(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Every target with what was measured and met / missed / not measured. Never raises on a miss."""
    rows: list[dict[str, Any]] = []
    sizes: dict[str, Any] = results["sizes"]
    for target in RATIO_TARGETS:
        wanted = target.sizes or tuple(int(s) for s in sizes)
        for size in wanted:
            page = sizes.get(str(size), {}).get("pages", {}).get(target.page)
            share = page[FLOOR_RATIOS[target.floor][0]] if page else None
            rows.append({"target": f"{target.page} at {size:,} >= {target.ratio:g} x {target.floor}",
                         "measured": None if share is None else f"{share:.2f} x",
                         "met": None if share is None else share >= target.ratio})
    for engine, limit in SIGNUP_P99_TARGET_S.items():
        run = results.get("signups", {}).get(engine)
        rows.append({"target": f"{SIGNUPS} concurrent sign-ups on {engine}: 0 errors, p99 < {limit:g} s",
                     "measured": None if run is None else f"{run['errors']} errors, p99 {run['p99_s']:.2f} s",
                     "met": None if run is None else run["errors"] == 0 and run["p99_s"] < limit})
    docs = results.get("docs_page")
    docs_s = docs["median_s"] if docs else None
    loads = ", ".join(f"> {DOCS_TIMEOUT_S:g} s" if s is None else f"{s:.2f} s" for s in (docs or {}).get("loads_s", []))
    rows.append({"target": f"docs page, {dataset.BIG_OPERATIONS:,} operations: first operation < {DOCS_TARGET_S:g} s",
                 "measured": None if docs is None else (f"median {docs_s:.2f} s" if docs_s is not None else loads),
                 "met": None if docs is None else docs_s is not None and docs_s < DOCS_TARGET_S})
    ready = results["start_to_ready_s"]
    rows.append({"target": f"start to ready <= {READY_TARGET_S:g} s (median of {len(ready['runs'])})",
                 "measured": f"{ready['median']:.2f} s", "met": ready["median"] <= READY_TARGET_S})
    worst = max((w["rss_mb"] for s in sizes.values() for w in s["rss"]), default=0.0)
    rows.append({"target": f"RSS of every worker < {RSS_TARGET_MB:g} MB", "measured": f"{worst:.1f} MB (largest)",
                 "met": worst < RSS_TARGET_MB})
    for row in rows:
        row["result"] = verdict(row["met"])
    return rows


def markdown(results: dict[str, Any]) -> str:
    """The tables for release notes: every page at every size, then the targets."""
    lines = [(f"Forecourt {results['forecourt_version']}, one web worker pinned to one core, "
             f"`wrk -t{results['load']['threads']} -c{results['load']['connections']} "
             f"-d{results['load']['duration_s']}s` on the other ({results['cpus']} CPUs), SQLite."), "",
             "| page | products | req/s | p50 ms | p99 ms | x floor | queries | worker RSS MB |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for size, measured in results["sizes"].items():
        for label, page in measured["floor"].items():
            lines.append(f"| {label} | {int(size):,} | {page['requests_per_s']:,.0f} | {page['p50_ms']:.1f} | "
                         f"{page['p99_ms']:.1f} | | | {page['worker_rss_mb']:.0f} |")
        web_rss = next((w["rss_mb"] for w in measured["rss"] if w["name"].startswith("web")), 0.0)
        for label, page in measured["pages"].items():
            queries = page.get("queries")
            lines.append(f"| {label} | {int(size):,} | {page['requests_per_s']:,.0f} | {page['p50_ms']:.1f} | "
                         f"{page['p99_ms']:.1f} | {ratios_shown(label, page)} | "
                         f"{'' if queries is None else queries} | {web_rss:.0f} |")
    lines += ["", "| target | measured | result |", "|---|---|---|"]
    lines += [f"| {row['target']} | {row['measured'] or ''} | {row['result']} |" for row in results["targets"]]
    for size, measured in results["sizes"].items():  # the most a signed-in Django page reaches here
        floor = measured["floor"]
        share = ratio(floor[SIGNED_CARDS]["requests_per_s"], floor[CARDS]["requests_per_s"])
        lines += ["", f"signed-in floor / template + query at {int(size):,}: {share:.2f}"]
    return "\n".join(lines)


def ratios_shown(label: str, page: dict[str, Any]) -> str:
    """The x floor cell, e.g. `0.15 (t+q), 0.40 (signed-in t+q)`: the ratio to the page's floor,
    then to each floor page in its `also`."""
    also = next((p.also for p in PAGES if p.label == label), ())
    return ", ".join(f"{page[FLOOR_RATIOS[floor][0]]:.2f} ({FLOOR_RATIOS[floor][1]})"
                     for floor in (page["floor"], *also))


def log_problems(logs: str) -> list[tuple[str, int]]:
    """Warnings and errors in the servers' logs, without timestamps and key=value details, each
    with how often it came (200 sign-ups log 200 alike warnings), in order of first appearance."""
    counted: dict[str, int] = {}
    for line in logs.splitlines():
        if re.search(r"WARNING|ERROR|CRITICAL|Traceback", line):
            plain = re.sub(r"\s+\w+=\S+", "", re.sub(r"^\d{4}-\d\d-\d\d[ T][\d:.,]+\s*", "", line)).strip()
            counted[plain] = counted.get(plain, 0) + 1
    return list(counted.items())


def print_report(results: dict[str, Any], logs: str) -> None:
    print("\n" + markdown(results))
    for size, measured in results["sizes"].items():
        for label, page in [*measured["floor"].items(), *measured["pages"].items()]:
            if page.get("requests") == 0:
                print(f"\nnote: {label} at {size}: no request completed during the load (latencies are 0)")
            elif page["non_2xx"] or page["socket_errors"]:
                print(f"\nnote: {label} at {size}: {page['non_2xx']} non-2xx/3xx responses, "
                      f"{page['socket_errors']} socket errors under load")
    for engine, run in results.get("signups", {}).items():
        if run.get("error_samples"):
            print(f"\nnote: sign-ups on {engine}: {'; '.join(run['error_samples'])}")
    for note in results["notes"]:
        print(f"\nnote: {note}")
    noisy = log_problems(logs)
    if noisy:
        print("\nserver logs (warnings and errors during the run, alike lines counted once):")
        print("\n".join(f"  {count} x {line}" for line, count in noisy[:20]))
    print(f"\nresults: {results['output']} (server logs: {Path(results['output']).with_suffix('.serve.log')}); "
          f"took {results['took_s'] / 60:.1f} min")


def write_results(results: dict[str, Any], logs: str, path: Path) -> None:
    """The JSON for comparisons, and the measured servers' logs beside it for diagnosis."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2) + "\n")
    path.with_suffix(".serve.log").write_text(logs)


# -- main --------------------------------------------------------------------------------------
def measure_size(wrk: str, args: argparse.Namespace, work: Path, products: int, first: bool,
                 results: dict[str, Any], logs: list[str]) -> None:
    """The floor, then Forecourt, at `products` products; on the first size also the starts, the
    docs page and the SQLite sign-ups."""
    threads = blocking_threads()
    print(f"[{products:,} products] floor ...", flush=True)
    floor = measure_floor(wrk, args, work, products, threads)
    print(f"[{products:,} products] seeding Forecourt ...", flush=True)
    env = server_env(work / "data")
    seeded = prepare(env, work, products)
    starts = args.starts if first else 1
    print(f"[{products:,} products] {starts} start(s) to /ready ...", flush=True)
    server, times = measure_starts(env, work, starts)
    try:
        if granian_threads(server) not in (None, threads):
            results["notes"].append(f"the floor ran {threads} threads, Forecourt's worker {granian_threads(server)}")
        results["forecourt_version"] = forecourt_version(server)
        creds = credentials(server, work / "data")
        upload_big_document(server, creds, seeded)
        warm_up(server, [(page.path, creds.for_page(page)) for page in PAGES])
        print(f"[{products:,} products] loading {len(PAGES)} pages for {args.duration} s each ...", flush=True)
        pages = {page.label: run_wrk(wrk, server.url + page.path, args, creds.for_page(page)) for page in PAGES}
        rss = worker_memory(server)
        add_ratios(pages, floor)
        for label, counted in count_queries(env, work).items():
            pages[label]["queries"] = counted["queries"] if counted["status"] == 200 else None
        if first:
            results["start_to_ready_s"] = {"runs": times, "median": statistics.median(times),
                                           "target": READY_TARGET_S}
            if "docs" not in args.skip:
                print("docs page in chromium ...", flush=True)
                results["docs_page"] = measure_docs_page(server, seeded)
            if "signups" not in args.skip:
                print(f"{SIGNUPS} concurrent sign-ups on SQLite ...", flush=True)
                results["signups"]["sqlite"] = measure_signups(server)
    finally:
        exit_code = stop_server(server)
        logs.append(server.log())
    if exit_code != 0:
        results["notes"].append(f"forecourt serve exited with {exit_code} on SIGTERM (expected 0)")
    results["sizes"][str(products)] = {"floor": floor, "pages": pages, "rss": rss}


def benchmark(args: argparse.Namespace, wrk: str, work: Path) -> tuple[dict[str, Any], str]:
    started = time.monotonic()
    pin_this_process()
    results: dict[str, Any] = {
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "forecourt_version": "?",
        "python": sys.version.split()[0], "cpus": os.cpu_count(),
        "pinning": {"server_core": SERVER_CORE, "client_core": CLIENT_CORE} if pinned(SERVER_CORE) else None,
        "web_workers": 1, "blocking_threads": blocking_threads(),
        "load": {"tool": "wrk", "threads": args.threads, "connections": args.connections,
                 "duration_s": args.duration},
        "sizes": {}, "signups": {}, "notes": [], "output": str(args.output),
    }
    if results["pinning"] is None:
        results["notes"].append("fewer than 2 CPUs (or no taskset): server and load share the CPUs")
    logs: list[str] = []
    for number, products in enumerate(args.sizes):
        size_dir = work / f"size-{products}"
        size_dir.mkdir()
        measure_size(wrk, args, size_dir, products, number == 0, results, logs)
    if not {"signups", "postgres"} & args.skip:
        print(f"{SIGNUPS} concurrent sign-ups on PostgreSQL ...", flush=True)
        try:
            results["signups"]["postgres"] = measure_postgres_signups(work)
        except (ImportError, BenchError) as exc:  # the SQLite results still stand
            results["notes"].append(f"PostgreSQL sign-ups not measured: {exc}")
    results["targets"] = evaluate(results)
    results["took_s"] = time.monotonic() - started
    return results, "\n".join(logs)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        wrk = require_wrk()
        with tempfile.TemporaryDirectory(prefix="forecourt-bench-") as tmp:
            results, logs = benchmark(args, wrk, Path(tmp))
    except (BenchError, subprocess.TimeoutExpired, OSError) as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    write_results(results, logs, args.output)
    print_report(results, logs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
