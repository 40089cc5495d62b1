"""Start real `forecourt` processes (serve, migrate, ...) against a database of their own."""

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx

FORECOURT = [sys.executable, "-m", "forecourt"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def child_env(db_env: dict[str, str], tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment for a child process: this one's, minus PORTAL_* settings, plus `db_env`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "TYK_PORTAL_"))}
    env.update({"PORTAL_DATADIR": str(tmp_path / "data"), "PORTAL_LOG_LEVEL": "info",
                "PORTAL_DATABASE_RETRYDELAY": "200"})
    env.update(db_env)
    env.update(extra)
    return env


def run(args: list[str], env: dict[str, str], cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(FORECOURT + args, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          check=False)


# A test's HTTP request to a portal it started: httpx's default of 5 s is not enough for a first page
# (templates compiled, a password hashed) beside the other xdist worker on two loaded cores, as CI found.
HTTP_TIMEOUT = 30


@dataclass
class Server:
    proc: subprocess.Popen[str]
    port: int
    log_path: Path
    log_handle: IO[str]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def get(self, path: str, **kwargs: object) -> httpx.Response:
        return httpx.get(self.url + path, timeout=HTTP_TIMEOUT, **kwargs)  # type: ignore[arg-type]

    def wait_for(self, path: str, status: int, timeout: float = 60) -> httpx.Response:
        """Poll `path` until it answers `status`; fail with the server's log otherwise."""
        deadline = time.monotonic() + timeout
        last: object = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited with {self.proc.returncode}:\n{self.log()}")
            try:
                response = self.get(path)
                if response.status_code == status:
                    return response
                last = response.status_code
            except httpx.HTTPError as exc:
                last = exc
            time.sleep(0.1)
        raise AssertionError(f"{path} did not answer {status} within {timeout}s (last: {last}):\n{self.log()}")

    def stop(self, timeout: float = 30) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log_handle.close()
        return int(self.proc.returncode)


def start(env: dict[str, str], cwd: Path, *args: str, workers: int = 1) -> Server:
    port = free_port()
    env = {**env, "PORTAL_HOSTPORT": str(port), "PORTAL_LISTENADDRESS": "127.0.0.1"}
    log_path = cwd / f"serve-{port}.log"
    handle = log_path.open("w")
    proc = subprocess.Popen([*FORECOURT, "serve", "--workers", str(workers), *args], env=env, cwd=cwd,
                            stdout=handle, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    return Server(proc, port, log_path, handle)
