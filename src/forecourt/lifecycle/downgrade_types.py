"""The content types and permissions of the models a downgrade drops: listed, then removed.

`migrate` gives every model a django_content_type row and four auth_permission rows (add,
change, delete, view) after it runs (post_migrate). Reversing the migration that made a model
drops its table but leaves those rows, which the older release never reads: going 0.5.0 ->
0.4.0 left 3 content types and 12 permissions of the webhooks models behind. The downgrade
removes them, as Django's `remove_stale_contenttypes` would, limited to Forecourt's apps and to
the models this downgrade drops (a model in the schema now, not in the release's): rows of
other apps, and stale rows from before, are left as they are.

Why removing them is safe for the older release:

- nothing in Forecourt refers to a content type or a permission: no GenericForeignKey, no
  django.contrib.admin log, the user model has no Django permissions or groups (roles are its
  own field), and the audit log names objects as text ("webhooks.webhook"). The only rows that
  point at them are Django's own: auth_permission -> django_content_type, and the
  auth_group_permissions of groups nobody makes (counted and listed if there are any).
  tests/test_downgrade.py fails if another relation to either model appears;
- the older release's `migrate` creates content types and permissions for its own models only
  and never looks at the others; should the database be upgraded again, `migrate` makes new rows
  for the models that come back (nothing kept the old ids).

Kept, they would only mislead: a content type for a table that does not exist. They are removed
after the migrations, in the same transaction where the engine has one (PostgreSQL).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connections, models

CONTENT_TYPES = "django_content_type"
PERMISSIONS = "auth_permission"
GROUP_PERMISSIONS = "auth_group_permissions"


@dataclass
class TypeRows:
    """The rows of the dropped models' content types and permissions (counted, or removed)."""

    models: list[str] = field(default_factory=list)  # "app.model", sorted
    content_types: int = 0
    permissions: int = 0
    group_permissions: int = 0

    def as_list(self) -> list[dict[str, Any]]:
        if not self.models:
            return []
        rows = [{"table": CONTENT_TYPES, "rows": self.content_types, "models": self.models},
                {"table": PERMISSIONS, "rows": self.permissions, "models": self.models}]
        if self.group_permissions:
            rows.append({"table": GROUP_PERMISSIONS, "rows": self.group_permissions, "models": self.models})
        return rows


def dropped_models(now_apps: Any, then_apps: Any, apps: list[str]) -> list[str]:
    """"app.model" of the models of `apps` in the state now and not in the release's state."""
    def keys(state_apps: Any) -> set[tuple[str, str]]:
        if state_apps is None:
            return set()
        return {(m._meta.app_label, m._meta.model_name) for m in state_apps.get_models()}

    return sorted(f"{app}.{model}" for app, model in keys(now_apps) - keys(then_apps) if app in apps)


def _content_types(names: list[str], using: str) -> models.QuerySet[Any] | None:
    if not names or ContentType._meta.db_table not in connections[using].introspection.table_names():
        return None
    match = models.Q()
    for name in names:
        app, model = name.split(".")
        match |= models.Q(app_label=app, model=model)
    return ContentType.objects.using(using).filter(match)


def count(names: list[str], using: str) -> TypeRows:
    """What removing the content types of `names` removes (the plan)."""
    out = TypeRows(list(names))
    types = _content_types(names, using)
    if types is None:
        return out
    out.content_types = types.count()
    out.permissions = Permission.objects.using(using).filter(content_type__in=types).count()
    out.group_permissions = Group.permissions.through.objects.using(using).filter(
        permission__content_type__in=types).count()
    return out


def remove(names: list[str], using: str) -> TypeRows:
    """Delete the content types of `names` with their permissions (Django's cascade); what was deleted."""
    out = TypeRows(list(names))
    types = _content_types(names, using)
    if types is None:
        return out
    _, deleted = types.delete()
    ContentType.objects.clear_cache()
    out.content_types = deleted.get(ContentType._meta.label, 0)
    out.permissions = deleted.get(Permission._meta.label, 0)
    out.group_permissions = deleted.get(Group.permissions.through._meta.label, 0)
    return out
