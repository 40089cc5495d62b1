"""What the backup and restore tests' fixtures build (each test module wraps these in its fixtures)."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from . import backup_archive, databases, servers


def make_portal(child_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """Realistic rows in the migrated database `child_env` points at (tests/support/databases.py,
    migrated_database), a theme folder on disk and an uploaded logo."""
    env = {**child_env, "PORTAL_THEMING_PATH": str(tmp_path / "themes")}
    theme = tmp_path / "themes" / "acme"
    theme.mkdir(parents=True)
    (theme / "theme.json").write_text('{"name": "acme", "version": "1.0.0"}')
    (theme / "static").mkdir()
    (theme / "static" / "logo.bin").write_bytes(bytes(range(256)))
    backup_archive.run_helper("backup_seed", env, tmp_path, "--users", "30")
    return env


@contextmanager
def second_db(tmp_path: Path) -> Iterator[dict[str, str]]:
    """Another empty database on the same engine, with a data folder and theme folder of its own."""
    home = tmp_path / "second"
    home.mkdir()
    with databases.fresh_database(home) as db_env:
        yield servers.child_env(db_env, home, PORTAL_THEMING_PATH=str(home / "themes"))
