"""What a process does before it serves: reach the database, migrate it under the lock.

`forecourt serve` and `forecourt migrate` call `prepare_database()`; web workers never
migrate, they only check (forecourt.ops.readiness) that the schema is current.
"""

import io
import logging
import time

from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections
from django.db.migrations.executor import MigrationExecutor

import forecourt

from . import secret
from .dblock import migration_lock
from .models import SchemaVersion

log = logging.getLogger("forecourt.startup")
migrate_log = logging.getLogger("forecourt.migrate")


class StartupError(Exception):
    """Start-up cannot go on; the message is the line logged at ERROR."""


def wait_for_database(max_retries: int, retry_delay_ms: int, using: str = DEFAULT_DB_ALIAS) -> None:
    """Connect, trying 1 + max_retries times retry_delay_ms apart and logging each failure."""
    connection = connections[using]
    attempts = max_retries + 1
    for attempt in range(1, attempts + 1):
        try:
            connection.ensure_connection()
            return
        except OperationalError as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            if attempt == attempts:
                raise StartupError(f"failed to connect to database: {reason}") from exc
            log.warning(
                "database not reachable (attempt %d of %d): %s; retrying in %d ms",
                attempt, attempts, reason, retry_delay_ms,
            )
            connection.close()
            time.sleep(retry_delay_ms / 1000)


def pending_migrations(using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Migrations not yet applied, in the order they would run, as "app.name"."""
    executor = MigrationExecutor(connections[using])
    targets = executor.loader.graph.leaf_nodes()
    return [f"{m.app_label}.{m.name}" for m, backwards in executor.migration_plan(targets) if not backwards]


class _MigrationLogWriter(io.TextIOBase):
    """Turns `migrate`'s "Applying app.name... OK" lines into log records."""

    def __init__(self) -> None:
        self.applied: list[str] = []
        self._buffer = ""

    def write(self, text: str) -> int:
        self._buffer += text
        while "\n" in self._buffer:
            line, self._buffer = self._buffer.split("\n", 1)
            line = line.strip()
            if line.startswith("Applying ") and line.endswith("OK"):
                name = line[len("Applying "):].split("...", 1)[0]
                self.applied.append(name)
                migrate_log.info("applied migration %s", name)
        return len(text)


def migrate(using: str = DEFAULT_DB_ALIAS, lock_timeout: float = 600.0) -> list[str]:
    """Apply pending migrations under the cross-process lock; return what this process applied.

    Raises StartupError("failed to migrate database: ...") when a migration fails. On
    PostgreSQL each migration is one transaction, so a failure leaves the schema as it was
    before that migration.
    """
    try:
        with migration_lock(using, timeout=lock_timeout):
            pending = pending_migrations(using)
            applied: list[str] = []
            if pending:
                migrate_log.info("applying %d migration(s)", len(pending))
                writer = _MigrationLogWriter()
                call_command("migrate", database=using, interactive=False, verbosity=1, stdout=writer)
                applied = writer.applied
            _record_version(applied)
            secret.load_or_create()
    except StartupError:
        raise
    except Exception as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise StartupError(f"failed to migrate database: {reason}") from exc
    if applied:
        log.info("database migrated to %s: %d migration(s) applied", forecourt.__version__, len(applied))
    else:
        log.info("database schema is up to date")
    return applied


def _record_version(applied: list[str]) -> None:
    if applied or SchemaVersion.last_version() != forecourt.__version__:
        SchemaVersion.objects.create(version=forecourt.__version__, applied=applied)


def prepare_database(max_retries: int, retry_delay_ms: int) -> list[str]:
    """Everything `serve` does before declaring the database ready."""
    wait_for_database(max_retries, retry_delay_ms)
    return migrate()
