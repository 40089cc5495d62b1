"""The background-job worker loop that `forecourt serve` runs as one process."""

import logging
import signal
import threading
import time
from types import FrameType

from django.db import close_old_connections, connections

from forecourt.ops import readiness

from . import queue, registry

log = logging.getLogger("forecourt.jobs")


TICK_SECONDS = 30.0


class Worker:
    def __init__(self, idle_seconds: float = 1.0) -> None:
        self.idle_seconds = idle_seconds
        self.owner = queue.worker_id()
        self._stop = threading.Event()

    def _tick(self, first: bool) -> None:
        """Let periodic tasks enqueue what is due (provider syncs...)."""
        for task in registry.periodic_tasks():
            try:
                task(first)
            except Exception:
                log.exception("periodic task %s failed", getattr(task, "__name__", task))

    def stop(self, signum: int | None = None, frame: FrameType | None = None) -> None:
        self._stop.set()

    def run(self) -> None:
        """Run as the job-worker process: stop on SIGTERM / SIGINT."""
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        self.run_loop()

    def run_loop(self) -> None:
        """Wait for the schema, then run due jobs until stopped."""
        try:
            self._loop()
        finally:
            connections.close_all()  # this thread's connections; a server counts them as sessions

    def _loop(self) -> None:
        while not self._stop.is_set():
            ready, _ = readiness.check()
            if ready:
                break
            self._stop.wait(1.0)
        else:
            return  # stopped before the schema was ready
        log.info("job worker started", extra={"worker": self.owner})
        self._tick(first=True)
        last_tick = time.monotonic()
        while not self._stop.is_set():
            close_old_connections()
            if time.monotonic() - last_tick >= TICK_SECONDS:
                self._tick(first=False)
                last_tick = time.monotonic()
            try:
                outcome = queue.run_next(self.owner)
            except Exception:
                log.exception("job worker could not claim a job")
                outcome = None
            if outcome is None:
                self._stop.wait(self.idle_seconds)
        log.info("job worker stopped")
