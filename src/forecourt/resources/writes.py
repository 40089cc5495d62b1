"""The audited create, update and delete of a resource, shared by the Admin Portal and the Admin API.

`save_form` saves a valid form and `delete` deletes an object after the resource's delete rules
allow it; each writes the audit log in the same transaction. The rules themselves stay in the
domain services (the definitions name them: forecourt.resources.definitions).
"""

from typing import Any

from django.db import models, transaction

from forecourt.accounts.models import User
from forecourt.audit import services as audit

from .definitions import Definition
from .forms import ModelForm


class DeleteRefused(Exception):
    """The object cannot be deleted; the messages say why and what to do instead."""

    def __init__(self, reasons: list[str]) -> None:
        self.reasons = reasons
        super().__init__("; ".join(reasons))


def save_form(definition: Definition, form: ModelForm, actor: User) -> Any:
    """Save a valid form and audit it: "create" with the new values, "update" with what changed."""
    creating = form.instance.pk is None
    before = {} if creating else audit.snapshot(type(form.instance).objects.get(pk=form.instance.pk))
    with transaction.atomic():
        obj = definition.saver(form, actor) if definition.saver else form.save()
        after = audit.snapshot(obj)
        changes = audit.diff(before, after)
        if creating or changes:
            audit.record(actor, "create" if creating else "update", obj, changes)
    return obj


def delete(definition: Definition, obj: Any, actor: User) -> None:
    """Delete after the domain rules allow it; raise DeleteRefused with their reasons otherwise."""
    reasons = definition.delete_blockers(obj, actor) if definition.delete_blockers else []
    if reasons:
        raise DeleteRefused(reasons)
    with transaction.atomic():
        before = audit.snapshot(obj)
        audit.record(actor, "delete", obj, {k: [v, None] for k, v in before.items()})
        try:
            if definition.deleter:
                definition.deleter(obj, actor)
            else:
                obj.delete()
        except models.ProtectedError as exc:
            names = sorted({str(o._meta.verbose_name_plural) for o in exc.protected_objects})
            raise DeleteRefused([f"{obj} is still used by {', '.join(names)}."]) from exc
