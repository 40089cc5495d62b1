"""Every release's database survives the upgrade to this version and the downgrade back, row for row.

For each release in the manifest, on a database of its own (the engine under test): build that
release's schema, fill every table through that release's historical models, upgrade with
`forecourt migrate`, check every value is still there and every added column holds its default,
write rows with the newest schema's models, downgrade back with forecourt.lifecycle.downgrade,
and check that the release's rows and the new rows of the tables that release had are all there.
"""

import pytest

from forecourt.lifecycle import releases

from .support import databases, migration_child, servers

pytestmark = pytest.mark.server


# Values a migration moves on purpose: (table, column) -> the column it moves them to. A release's
# reader sees the value in either (catalog.0003: a product's document that came from the gateway
# moves to gateway_document, and the reverse puts it back where the release reads it).
MOVED = {("catalog_productapi", "oas_document"): "gateway_document"}


def _as_released(table: str, row: dict) -> dict:
    """`row` as a release that reads only the moved-from columns sees it."""
    folded = dict(row)
    for (moved_table, column), target in MOVED.items():
        if moved_table == table and column in folded and not folded[column]:
            folded[column] = row.get(target, "")
    return folded


def _project(row: dict, columns: set[str]) -> dict:
    return {column: value for column, value in row.items() if column in columns}


# The SQLite run rehearses every release. The PostgreSQL and MariaDB runs rehearse the oldest (its
# upgrade and downgrade run every migration since, both ways, over rows of every table it had) and the
# two newest (what most portals upgrade from, and the newest migrations): a release between adds rows
# of the tables it added, whose migrations the oldest's rehearsal already runs on the engine. Each
# rehearsal took 19-28 s of a worker on MariaDB (junit of a whole run): all 15, ~15% of that run.
EVERY_RELEASE = releases.all_releases()
REHEARSED = EVERY_RELEASE if databases.dialect() == "sqlite3" else EVERY_RELEASE[:1] + EVERY_RELEASE[-2:]


@pytest.mark.parametrize("release", REHEARSED, ids=lambda r: r.version)
def test_release_upgrades_and_downgrades_keeping_every_row(release, child_env, tmp_path):
    built, filled, old = migration_child.steps(child_env, f"build:{release.version}", "fill:old", "snapshot")
    assert built, "the release's schema was built"
    assert sum(filled.values()) > 0 and all(old[table] for table, n in filled.items() if n)

    upgrade = servers.run(["migrate"], child_env, tmp_path)
    assert upgrade.returncode == 0, upgrade.stderr

    new, defaults, filled_new, mid, reversed_, back, applied = migration_child.steps(
        child_env, "snapshot", "defaults", "fill:new", "snapshot", f"downgrade:{release.version}", "snapshot",
        "applied")

    # The upgrade kept every row and value; columns it added hold their defaults in the old rows.
    for table, rows in old.items():
        assert table in new, f"the upgrade dropped {table}"
        for pk, row in rows.items():
            assert pk in new[table], f"the upgrade lost row {pk} of {table}"
            upgraded = new[table][pk]
            assert _project(_as_released(table, upgraded), set(row)) == row, f"{table} row {pk} changed"
            moved_to = {target for (t, _), target in MOVED.items() if t == table}
            for column in set(upgraded) - set(row) - moved_to:
                if column in defaults.get(table, {}):
                    assert upgraded[column] == defaults[table][column], f"{table}.{column} of row {pk}"
    # Every table the release had gets rows again, and the tables added since get theirs.
    assert sum(filled_new.values()) >= sum(filled.values()) > 0

    # The downgrade went back to exactly the release's migrations...
    assert {app: names[-1] for app, names in applied.items()} == release.migrations
    # (nothing to reverse only when no migration came after it: the newest release, or one whose
    # successors brought none)
    assert reversed_ or release.migrations == releases.latest().migrations
    # ...with the release's tables, all the rows they held at the newest schema (the release's and the
    # ones written since), and those rows' values in the columns the release has.
    assert set(back) == set(old)
    versions = sorted(back.pop("ops_schemaversion").values(), key=lambda row: row["id"])
    assert versions[-1]["version"] == release.version, "the downgrade records the release the database is at"
    for table, rows in back.items():
        columns = set(next(iter(old[table].values()))) if old[table] else set(next(iter(rows.values()), {}))
        assert rows == {pk: _project(_as_released(table, row), columns) for pk, row in mid[table].items()}, (
            f"{table} after the downgrade")
        for pk, row in old[table].items():
            assert rows[pk] == row, f"{table} row {pk} is not as the release wrote it"
    assert any(set(mid[t]) - set(old[t]) for t in back), "rows written at the newest schema survive the downgrade"
