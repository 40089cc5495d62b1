"""A migration operation for field changes no database sees: labels, help texts, choices.

Making the models' labels translatable (0.15.0) changed the verbose_name, help_text or choices of 270
fields. Written as one AlterField each, every one re-rendered its model in the migration state (and,
for a relation, every model related to it): profiled, that was more than half of migrating a new
database from nothing (8 of 15 s on SQLite) and as much again of every downgrade's planning, which
replays the states. `AlterFieldLabels` changes a model's fields together and renders the model once.

What reaches the database is what AlterField does: `schema_editor.alter_field` for each field, which
issues no statement when only such attributes differ. The migration policy reads it field by field
(forecourt.lifecycle.migration_policy), as it reads AlterField.
"""

from __future__ import annotations

from typing import Any

from django.db.migrations.operations.base import Operation
from django.db.migrations.state import ProjectState
from django.db.migrations.utils import field_is_referenced
from django.db.models import Field


class AlterFieldLabels(Operation):
    """AlterField for several fields of one model, with one state reload for all of them."""

    def __init__(self, model_name: str, fields: list[tuple[str, Field[Any, Any]]]) -> None:
        self.model_name = model_name
        self.fields = list(fields)

    @property
    def model_name_lower(self) -> str:
        return self.model_name.lower()

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return self.__class__.__name__, [], {"model_name": self.model_name, "fields": self.fields}

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        key = (app_label, self.model_name_lower)
        # ProjectState.alter_field keeps the relations map in step and then reloads the model; the
        # reload is held back here (an instance attribute shadows the method) and done once after.
        state.reload_model = lambda *args, **kwargs: None  # type: ignore[method-assign]
        try:
            for name, field in self.fields:
                state.alter_field(app_label, self.model_name_lower, name, field, preserve_default=True)
        finally:
            del state.reload_model
        # As alter_field decides per field: related models are rendered again only for a relation or
        # a field another model's key points at.
        delay = not any(field.is_relation or field_is_referenced(state, key, (name, field))
                        for name, field in self.fields)
        state.reload_model(*key, delay=delay)

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: ProjectState,
                          to_state: ProjectState) -> None:
        to_model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, to_model):
            return
        from_model = from_state.apps.get_model(app_label, self.model_name)
        for name, _ in self.fields:
            schema_editor.alter_field(from_model, from_model._meta.get_field(name), to_model._meta.get_field(name))

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: ProjectState,
                           to_state: ProjectState) -> None:
        self.database_forwards(app_label, schema_editor, from_state, to_state)

    def describe(self) -> str:
        names = ", ".join(name for name, _ in self.fields)
        return f"Alter the labels of {self.model_name}'s fields {names}"

    @property
    def migration_name_fragment(self) -> str:
        return f"alter_{self.model_name_lower}_labels"
