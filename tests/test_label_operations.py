"""AlterFieldLabels: the state AlterField per field gives, one render, and no statement on any engine."""

import pytest
from django.db import connection, migrations, models
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.state import ModelState, ProjectState

from forecourt.ops.label_operations import AlterFieldLabels


def _state() -> ProjectState:
    state = ProjectState()
    state.add_model(ModelState("shop", "Owner", [("id", models.BigAutoField(primary_key=True)),
                                                 ("code", models.CharField(max_length=9, unique=True))], {}))
    state.add_model(ModelState("shop", "Item", [
        ("id", models.BigAutoField(primary_key=True)),
        ("name", models.CharField(max_length=20)),
        ("owner", models.ForeignKey("shop.Owner", models.CASCADE, to_field="code")),
    ], {}))
    return state


LABELLED = [
    ("name", models.CharField(max_length=20, verbose_name="name", help_text="what it is called")),
    ("owner", models.ForeignKey("shop.Owner", models.CASCADE, to_field="code", verbose_name="owner")),
]


def _fields(state: ProjectState, model: str) -> dict[str, tuple]:
    return {name: field.deconstruct()[1:] for name, field in state.models["shop", model].fields.items()}


@pytest.mark.one_engine
def test_the_state_is_the_one_an_alter_field_per_field_gives_rendered_once(monkeypatch):
    one_by_one, together = _state(), _state()
    for state in (one_by_one, together):
        assert state.apps.get_model("shop", "Item")._meta.get_field("owner").verbose_name == "owner"  # rendered
    for name, field in LABELLED:
        migrations.AlterField("item", name, field).state_forwards("shop", one_by_one)

    renders = []
    reload_model = ProjectState.reload_model
    monkeypatch.setattr(ProjectState, "reload_model",
                        lambda self, *args, **kwargs: renders.append(args) or reload_model(self, *args, **kwargs))
    AlterFieldLabels("Item", LABELLED).state_forwards("shop", together)

    assert renders == [("shop", "item")]
    assert _fields(together, "item") == _fields(one_by_one, "item")
    assert together.relations == one_by_one.relations
    item = together.apps.get_model("shop", "Item")
    assert item._meta.get_field("name").help_text == "what it is called"
    # The related model was rendered again with it (a relation changed): its reverse accessor is the new model's.
    assert together.apps.get_model("shop", "Owner")._meta.get_field("item").related_model is item


@pytest.mark.django_db(transaction=True)  # SQLite: no schema editor inside a test transaction
def test_the_label_migrations_issue_no_statement_on_this_engine():
    executor = MigrationExecutor(connection)
    graph = executor.loader.graph
    labelled = [graph.nodes[key] for key in sorted(graph.nodes)
                if any(isinstance(op, AlterFieldLabels) for op in graph.nodes[key].operations)]
    assert len(labelled) >= 13, [m.name for m in labelled]
    for migration in labelled:
        forwards = executor.loader.collect_sql([(migration, False)])
        backwards = executor.loader.collect_sql([(migration, True)])
        statements = [line for line in forwards + backwards if line.strip() and not line.startswith("--")]
        assert statements == [], f"{migration.app_label}.{migration.name}: {statements}"


@pytest.mark.one_engine
def test_it_describes_itself_and_writes_back_as_it_was_read():
    operation = AlterFieldLabels("Item", LABELLED)
    assert operation.describe() == "Alter the labels of Item's fields name, owner"
    name, args, kwargs = operation.deconstruct()
    assert (name, args, kwargs["model_name"]) == ("AlterFieldLabels", [], "Item")
    assert [field_name for field_name, _ in kwargs["fields"]] == ["name", "owner"]
