"""The migration policy (forecourt.lifecycle.migration_policy) and the rolling verdict built on it.

Every migration made since the newest release must leave the previous release's code working (so
that releases roll); the manifest's `rolling` entries must say what the policy says of the real
migrations between consecutive releases; upgrade-check reports the verdict for the database it
checks; `forecourt rebuild-derived` repairs what an older release serving beside this one left stale.
"""

import pytest
from django.db import migrations, models
from django.db.migrations.state import ModelState, ProjectState

from forecourt.catalog.models import ProductAPI, ProductSearch, ServedDocument
from forecourt.lifecycle import migration_policy, releases, rolling
from forecourt.ops.label_operations import AlterFieldLabels
from forecourt.pagecache import revision
from forecourt.sitesearch.models import SearchEntry

from . import factories
from .support import servers
from .test_upgrade_check import migrate_to, upgrade_check


def _state() -> ProjectState:
    state = ProjectState()
    state.add_model(ModelState("shop", "Item", [
        ("id", models.BigAutoField(primary_key=True)),
        ("name", models.CharField(max_length=20)),
        ("note", models.TextField(null=True)),
        ("price", models.IntegerField()),
    ], {}))
    return state


def _migration(*operations, **attrs) -> migrations.Migration:
    return type("Migration", (migrations.Migration,), {"operations": list(operations), **attrs})("0002_x", "shop")


def _problems(*operations, **attrs) -> list[str]:
    return [f.problem for f in migration_policy.check([_migration(*operations, **attrs)], _state())]


SAFE = {
    "a nullable column": migrations.AddField("item", "colour", models.CharField(max_length=9, null=True)),
    "a column with a database default": migrations.AddField("item", "stock", models.IntegerField(db_default=0)),
    "a longer column": migrations.AlterField("item", "name", models.CharField(max_length=40)),
    "a column made nullable": migrations.AlterField("item", "price", models.IntegerField(null=True)),
    "a label": migrations.AlterField("item", "name", models.CharField(max_length=20, verbose_name="Name",
                                                                       help_text="h", blank=True, default="x")),
    "an index": migrations.AddIndex("item", models.Index(fields=["name"], name="item_name")),
    "a new table": migrations.CreateModel("Tag", [("id", models.BigAutoField(primary_key=True))]),
    "data": migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop),
    "labels of several fields": AlterFieldLabels("item", [
        ("name", models.CharField(max_length=20, verbose_name="name")),
        ("price", models.IntegerField(help_text="in cents", choices=[(1, "one")]))]),
}

UNSAFE = {
    "a NOT NULL column with only a Python default": (
        migrations.AddField("item", "stock", models.IntegerField(default=0)), "NOT NULL column"),
    "a dropped column": (migrations.RemoveField("item", "note"), "drops a column"),
    "a dropped table": (migrations.DeleteModel("Item"), "drops a table"),
    "a renamed column": (migrations.RenameField("item", "name", "title"), "renames"),
    "a renamed table": (migrations.RenameModel("Item", "Thing"), "renames"),
    "a shorter column": (migrations.AlterField("item", "name", models.CharField(max_length=10)), "shortens"),
    "a column made NOT NULL": (migrations.AlterField("item", "note", models.TextField()), "NOT NULL"),
    "a changed type": (migrations.AlterField("item", "price", models.DecimalField(max_digits=9, decimal_places=2)),
                       "type"),
    "a new unique column": (migrations.AlterField("item", "name", models.CharField(max_length=20, unique=True)),
                            "unique"),
    "a new constraint": (migrations.AddConstraint("item", models.UniqueConstraint(fields=["name"], name="u")),
                         "constraint"),
    "a column changed among labels": (AlterFieldLabels("item", [
        ("name", models.CharField(max_length=20, verbose_name="name")),
        ("price", models.BigIntegerField(verbose_name="price"))]), "price: changes the column's type"),
    "raw SQL": (migrations.RunSQL("ALTER TABLE shop_item DROP COLUMN note"), "SQL"),
}


@pytest.mark.parametrize("operation", SAFE.values(), ids=SAFE.keys())
def test_what_the_previous_release_survives_passes(operation):
    assert _problems(operation) == []


@pytest.mark.parametrize(("operation", "words"), UNSAFE.values(), ids=UNSAFE.keys())
def test_what_breaks_the_previous_release_is_named(operation, words):
    problems = _problems(operation)
    assert len(problems) == 1 and words in problems[0], problems


def test_a_contract_step_that_gives_its_reason_is_trusted():
    assert _problems(migrations.RemoveField("item", "note"),
                     contract="no release since 0.9.0 reads Item.note") == []
    assert migration_policy.contract_reason(_migration(contract="why")) == "why"


def test_anything_goes_on_a_table_the_same_upgrade_creates():
    create = migrations.CreateModel("Tag", [("id", models.BigAutoField(primary_key=True))])
    later = _migration(migrations.AddField("tag", "name", models.CharField(max_length=9)),
                       migrations.AddConstraint("tag", models.UniqueConstraint(fields=["name"], name="one")))
    assert migration_policy.check([_migration(create), later], _state()) == []


def test_every_migration_since_the_newest_release_follows_the_policy():
    verdict = rolling.between(releases.all_releases()[-1])
    assert verdict.findings == [], "\n".join(f.message() for f in verdict.findings) + (
        "\nSee docs/migration-policy.md: expand in this release, contract in a later one.")


@pytest.mark.parametrize("release", [r for r in releases.all_releases() if r.rolling], ids=lambda r: r.version)
def test_the_manifest_says_which_upgrades_roll_as_the_policy_does(release):
    verdict = rolling.between(releases.get(release.rolling["from"]), release)
    assert release.rolling == {"from": release.rolling["from"], "rolls": verdict.rolls,
                               "after_rolling": verdict.as_dict()["after_rolling"]}


def test_the_manifest_has_a_rolling_entry_for_every_release_but_the_first():
    listed = releases.all_releases()
    assert [r.rolling.get("from") for r in listed[1:]] == [r.version for r in listed[:-1]]


def test_upgrades_that_add_derived_data_ask_for_a_rebuild_after_rolling():
    verdict = rolling.between(releases.get("0.7.0"))
    assert verdict.rolls and "the catalogue's search index" in verdict.derived
    assert verdict.as_dict()["after_rolling"] == [rolling.REBUILD_COMMAND]
    assert "rebuild-derived" in verdict.summary()


@pytest.mark.server
def test_upgrade_check_says_whether_the_upgrade_rolls(child_env, tmp_path):
    migrate_to(child_env, tmp_path, "0.6.0")  # 0.7.0 added NOT NULL columns: that upgrade needs a stop
    _code, report = upgrade_check(child_env, tmp_path)
    assert report["rolling"]["rolls"] is False
    assert {(p["migration"], "NOT NULL" in p["problem"]) for p in report["rolling"]["problems"]} == {
        ("catalog.0003_portal_owned_documents_and_sync_problems", True)}
    [finding] = [f for f in report["findings"] if f["check"] == "rolling"]
    assert finding["severity"] == "warning" and finding["message"].startswith("needs a stop")
    text = servers.run(["upgrade-check", "--no-provider-calls"], child_env, tmp_path).stdout
    assert "WARNING  rolling: needs a stop" in text and "would break the release serving now" in text


@pytest.mark.server
def test_upgrade_check_says_an_expand_only_upgrade_rolls(child_env, tmp_path):
    migrate_to(child_env, tmp_path, "0.7.0")
    _code, report = upgrade_check(child_env, tmp_path)
    assert report["rolling"]["rolls"] is True and report["rolling"]["after_rolling"] == ["forecourt rebuild-derived"]
    text = servers.run(["upgrade-check", "--no-provider-calls"], child_env, tmp_path).stdout
    assert "INFO     rolling: can roll" in text and "forecourt rebuild-derived" in text


@pytest.mark.django_db(transaction=True)
def test_rebuild_derived_repairs_what_an_older_release_left_stale():
    item = factories.product(display_name="Old name")
    api = ProductAPI.objects.create(product=item, name="Pets API", oas_document=_document("List the pets"))
    served_before = ServedDocument.objects.get(api=api).body
    token = revision.current()
    # An older release writes without the signals and services that keep derived data in step.
    type(item).objects.filter(pk=item.pk).update(display_name="New name")
    ProductAPI.objects.filter(pk=api.pk).update(oas_document=_document("List the cats"))
    assert "New name" not in ProductSearch.objects.get(product=item).title

    done = rolling.rebuild_derived()

    # The product and its operation, and the seeded home page when this test's database still has it
    # (an earlier transactional test in the same worker flushes the migrations' rows).
    pages = SearchEntry.objects.filter(kind=SearchEntry.Kind.PAGE).count()
    assert done == {"products": 1, "search entries": 2 + pages, "documents": 1}
    entries = dict(SearchEntry.objects.exclude(kind=SearchEntry.Kind.PAGE).values_list("kind", "title"))
    assert entries["product"].startswith("New name") and entries["operation"] == "List the cats"
    assert "New name" in ProductSearch.objects.get(product=item).title
    served = ServedDocument.objects.get(api=api).body
    assert served != served_before and b"List the cats" in served
    assert revision.current() != token
    assert rolling.rebuild_derived() == done  # idempotent


def _document(summary: str) -> str:
    import json

    return json.dumps({"openapi": "3.0.3", "info": {"title": "Pets", "version": "1"},
                       "paths": {"/pets": {"get": {"summary": summary, "responses": {"200": {"description": "ok"}}}}}})


@pytest.mark.server
def test_rebuild_derived_command(migrated_env, tmp_path):
    done = servers.run(["rebuild-derived"], migrated_env, tmp_path)  # the seeded home page is a site search entry
    assert done.returncode == 0, done.stderr
    assert ("derived data rebuilt: search index of 0 products, 1 site search entry, 0 served OpenAPI documents, "
            "cached pages dropped") in done.stdout
