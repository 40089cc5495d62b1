"""Real `forecourt worker` processes on the test's own database (pytest-django's test database).

A test marked `django_db(transaction=True)` commits what it writes, so a child process pointed at
the same database sees it, and the test sees what the child commits. `shared_database_env()` gives
the PORTAL_* variables that point a child there (whatever the engine under test);
`start_worker()` runs the job worker with them and logs to a file the assertions can show.
"""

import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from . import servers

STARTED = "job worker started"  # what the worker logs once the schema is current and its loop begins


def _pg_value(value: object) -> str:
    """A libpq key=value value: quoted, with quotes and backslashes escaped."""
    return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"


def shared_database_env() -> dict[str, str]:
    """PORTAL_DATABASE_* for the database this test process uses now (its test database)."""
    from django.db import connection

    db = connection.settings_dict
    engine = db["ENGINE"].rsplit(".", 1)[-1]
    if engine == "sqlite3":
        return {"PORTAL_DATABASE_DIALECT": "sqlite3", "PORTAL_DATABASE_CONNECTIONSTRING": str(db["NAME"])}
    if engine == "postgresql":
        params = {"host": db["HOST"], "port": db["PORT"], "user": db["USER"], "password": db["PASSWORD"],
                  "dbname": db["NAME"], **(db.get("OPTIONS") or {})}
        conn = " ".join(f"{k}={_pg_value(v)}" for k, v in params.items() if v not in ("", None))
        return {"PORTAL_DATABASE_DIALECT": "postgres", "PORTAL_DATABASE_CONNECTIONSTRING": conn}
    if engine == "mysql":
        options = db.get("OPTIONS") or {}
        auth = (db["USER"] or "") + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        if options.get("unix_socket"):
            address = f"unix({options['unix_socket']})"
        else:
            address = f"tcp({db['HOST'] or '127.0.0.1'}:{db['PORT'] or 3306})"
        params = [f"charset={options['charset']}"] if options.get("charset") else []
        if options.get("ssl_mode"):
            params.append("tls=true")
        dsn = f"{auth}@{address}/{db['NAME']}" + ("?" + "&".join(params) if params else "")
        return {"PORTAL_DATABASE_DIALECT": "mysql", "PORTAL_DATABASE_CONNECTIONSTRING": dsn}
    raise AssertionError(f"no child-process settings for the database engine {db['ENGINE']}")


def child_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """A child's environment on the test database (the encryption key too, if one is configured:
    the child must read the secrets this process wrote)."""
    forwarded = {k: os.environ[k] for k in ("PORTAL_ENCRYPTION_KEY", "TYK_PORTAL_ENCRYPTION_KEY") if k in os.environ}
    return servers.child_env(shared_database_env(), tmp_path, **forwarded, **extra)


@dataclass
class WorkerProcess:
    proc: subprocess.Popen[str]
    log_path: Path
    log_handle: IO[str]

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait(self, timeout: float) -> int:
        """Wait for the process to end by itself; kill it (and fail) if it does not."""
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"the worker did not exit within {timeout}s:\n{self.log()}") from None

    def wait_until(self, condition: Callable[[], bool], timeout: float, what: str) -> None:
        """Poll `condition` while the worker runs; fail with the worker's log if it does not hold in
        time, or if it raises AssertionError (a state that cannot end well)."""
        deadline = time.monotonic() + timeout
        while True:
            exited = self.proc.poll() is not None  # before the check: what it saw includes the last commit
            try:
                if condition():
                    return
            except AssertionError as exc:
                raise AssertionError(f"{exc}\nThe worker's log:\n{self.log()}") from None
            if exited:
                raise AssertionError(f"the worker exited with {self.proc.returncode} before {what}:\n{self.log()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"not {what} within {timeout}s{self._why_not_started()}:\n{self.log()}")
            time.sleep(0.05)

    def _why_not_started(self) -> str:
        """The likely reason when the worker never started its loop: a schema it finds incomplete
        (it loads the migrations from disk, the test database was migrated when the session began)."""
        if STARTED in self.log():
            return ""
        from django.db import connection
        from django.db.migrations.loader import MigrationLoader
        from django.db.migrations.recorder import MigrationRecorder

        on_disk = set(MigrationLoader(None, ignore_no_migrations=True).graph.nodes)
        missing = sorted(on_disk - set(MigrationRecorder(connection).applied_migrations()))
        if missing:
            return f" (it never became ready: the test database lacks the migrations {missing}, added since?)"
        return " (it never became ready)"

    def stop(self, timeout: float = 10) -> int:
        """SIGTERM (the worker finishes its job and closes its connections), then SIGKILL if need be."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log_handle.close()
        return int(self.proc.returncode)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def start_worker(env: dict[str, str], cwd: Path, name: str = "worker") -> WorkerProcess:
    log_path = cwd / f"{name}.log"
    handle = log_path.open("w")
    proc = subprocess.Popen([*servers.FORECOURT, "worker"], env=env, cwd=cwd, stdout=handle,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    return WorkerProcess(proc, log_path, handle)
