"""`forecourt serve`: the supervisor process.

A module of its own above the domain packages (ARCHITECTURE.md, "Layers"): at start it checks
the configuration's links (notify), the active theme (themes) and sets up logging (logconfig), so it
imports them; it was ops/server.py, which made ops, the lowest layer, import the packages above it.

It starts the web workers (granian, WSGI) at once, so /live answers while the database is
migrated; migrates under the lock; starts the job worker once a web worker has loaded the
application (or after JOBS_WAIT_SECONDS): on a machine with one free core the two imports of
Django competing would put off the first ready web worker by most of a second, and queued jobs can
wait that long; then watches its children. Web workers
answer /ready 503 until they see every migration applied, so N replicas starting together
all become ready once one of them has migrated.
"""

import contextlib
import ctypes
import ctypes.util
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
from types import FrameType

import forecourt
from forecourt import logconfig
from forecourt.configuration import Config
from forecourt.notify.links import host_header_warning
from forecourt.ops import startlog, startup
from forecourt.themes.rendering import check_active

log = logging.getLogger("forecourt.startup")

STOP_GRACE_SECONDS = 20
JOBS_WAIT_SECONDS = 15.0  # at most this long after the database is ready, the job worker starts anyway
# Django views block; a few threads per worker overlap database waits without oversubscribing.
BLOCKING_THREADS = 4


_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In a child, before exec: ask Linux to send SIGTERM when the supervisor dies.

    Without it a supervisor killed with SIGKILL (an OOM kill, say) leaves its web workers
    holding the port. Elsewhere than Linux this does nothing.
    """
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(libc_name, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def default_workers() -> int:
    return max(2, min(os.cpu_count() or 2, 8))


def warn_about_links(config: Config) -> None:
    """Once at start: without PublicURL, links in e-mails follow the Host header of each request."""
    warning = host_header_warning(config.public_url)
    if warning:
        log.warning("%s", warning)


def tls_arguments(config: Config) -> list[str]:
    """granian's TLS options from Tyk's TLSConfig (files already checked by configuration.tls).

    granian (rustls) offers TLS 1.2 and 1.3 only, so Tyk's 769/770 (TLS 1.0/1.1) mean TLS 1.2.
    """
    if not config.tls_config_enable:
        return []
    certificate = config.tls_config_certificates[0]
    oldest = "tls1.3" if config.tls_config_min_version >= 772 else "tls1.2"
    return ["--ssl-certificate", certificate["CertFile"], "--ssl-keyfile", certificate["KeyFile"],
            "--ssl-protocol-min", oldest]


def scheme(config: Config) -> str:
    return "https" if config.tls_config_enable else "http"


class Supervisor:
    def __init__(self, config: Config, workers: int, jobs: bool) -> None:
        self.config = config
        self.workers = workers
        self.jobs = jobs
        self.children: dict[str, subprocess.Popen[bytes]] = {}
        self.stopping = False
        self._log_config_path: str | None = None
        self._loaded_path: str | None = None  # forecourt/wsgi.py creates it once a web worker has loaded

    # -- children -------------------------------------------------------------------------
    def _granian_command(self) -> list[str]:
        cfg = self.config
        with tempfile.NamedTemporaryFile("w", suffix=".json", prefix="forecourt-log-", delete=False) as handle:
            json.dump(logconfig.dict_config(cfg.log_level, cfg.log_format, cfg.database_enable_logs), handle)
            self._log_config_path = handle.name
        return [
            sys.executable, "-m", "granian",
            "--interface", "wsgi",
            "--host", cfg.listen_address,
            "--port", str(cfg.host_port),
            "--workers", str(self.workers),
            "--blocking-threads", str(BLOCKING_THREADS),
            "--respawn-failed-workers",
            "--log-config", self._log_config_path,
            "--log-level", logconfig.LEVELS[cfg.log_level].lower(),
            "--no-ws",
            *tls_arguments(cfg),
            "forecourt.wsgi:application",
        ]

    def start_web(self) -> None:
        # Each child leads its own process group, so that stopping it also reaches the
        # processes it spawned (granian's workers) even if it dies before it can stop them.
        handle, self._loaded_path = tempfile.mkstemp(prefix="forecourt-web-loaded-")
        os.close(handle)
        os.unlink(self._loaded_path)  # its name only: a web worker creates it
        self.children["web"] = subprocess.Popen(  # noqa: S603 - our own argv
            self._granian_command(), start_new_session=True, preexec_fn=_die_with_parent,  # noqa: PLW1509 - the supervisor starts its children before it starts any thread
            env={**os.environ, "FORECOURT_WEB_LOADED_FILE": self._loaded_path},
        )

    def start_jobs(self, wait: float = JOBS_WAIT_SECONDS) -> None:
        """The job worker, once a web worker has loaded, the web server has exited (the watch then
        stops everything) or `wait` seconds have passed."""
        if not self.jobs:
            return
        deadline = time.monotonic() + wait
        while (time.monotonic() < deadline and not self.stopping and self.children["web"].poll() is None
               and not (self._loaded_path and os.path.exists(self._loaded_path))):
            time.sleep(0.02)
        if self.stopping:
            return
        self.children["jobs"] = subprocess.Popen([sys.executable, "-m", "forecourt", "worker"],
                                                 start_new_session=True, preexec_fn=_die_with_parent)  # noqa: PLW1509 - (the same)

    @staticmethod
    def _signal_group(proc: subprocess.Popen[bytes], signum: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signum)

    def stop_children(self) -> None:
        for proc in self.children.values():
            self._signal_group(proc, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for proc in self.children.values():
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("a child process did not stop within %ss; killing it", STOP_GRACE_SECONDS)
            # Whatever is left of the group now (a worker spawned while granian was being
            # told to stop, say) would otherwise keep the port open as an orphan.
            self._signal_group(proc, signal.SIGKILL)
            proc.wait()
        for path in (self._log_config_path, self._loaded_path):
            if path:
                with contextlib.suppress(OSError):
                    os.unlink(path)

    # -- life-cycle -----------------------------------------------------------------------
    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.stopping = True

    def run(self) -> int:
        cfg = self.config
        log.info(
            "starting Forecourt %s", forecourt.__version__,
            extra={"dialect": cfg.database_dialect, "listen": f"{cfg.listen_address}:{cfg.host_port}",
                   "workers": self.workers},
        )
        warn_about_links(cfg)
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)
        self.start_web()
        try:
            try:
                startup.prepare_database(cfg.database_max_retries, cfg.database_retry_delay)
            except startup.StartupError as exc:
                log.error("%s", exc)
                return 1
            check_active()
            log.info("serving on %s://%s:%s", scheme(cfg), cfg.listen_address, cfg.host_port)
            self.start_jobs()
            return self._watch()
        finally:
            self.stop_children()

    def _watch(self) -> int:
        while not self.stopping:
            for name, proc in self.children.items():
                code = proc.poll()
                if code is not None:
                    log.error("the %s process exited unexpectedly with status %s; stopping", name, code)
                    return 1
            time.sleep(0.5)
        log.info("stopping")
        return 0


def record_problems(config: Config) -> None:
    """Keep WARN/ERROR records since this start in DataDir for `forecourt verify` (ops.startlog),
    including the configuration warnings the CLI logged before this point."""
    try:
        path = startlog.begin(config.data_dir, config.host_port, forecourt.__version__)
    except OSError as exc:  # a read-only DataDir must not stop the portal; verify will say there is no record
        log.warning("cannot keep the start-up problem log for `forecourt verify`: %s", exc)
        return
    logconfig.configure(config.log_level, config.log_format, config.database_enable_logs)
    for warning in config.warnings:
        startlog.append(path, {"level": "WARNING", "logger": "forecourt.config", "message": warning,
                               "pid": os.getpid()})


def serve(config: Config, workers: int | None = None, jobs: bool = True) -> int:
    count = workers or config.workers or default_workers()
    record_problems(config)
    return Supervisor(config, count, jobs).run()
