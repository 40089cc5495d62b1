"""Writing through the resources' forms, so the API and the Admin Portal share every rule.

A request body is translated into the form's field names (each router owns that mapping),
validated by the same ModelForm the Admin Portal uses (forecourt.resources.definitions), and saved
by forecourt.resources.writes, which writes the audit log. PUT bodies may be partial, as Tyk's
are: what is missing keeps its value.
"""

import re
from typing import Any

from django.db import models
from django.forms.models import model_to_dict
from ninja.errors import HttpError

from forecourt.accounts.models import User
from forecourt.resources import writes
from forecourt.resources.definitions import BY_SLUG
from forecourt.resources.forms import UserForm

from .common import MAX_ID


class Invalid(HttpError):
    """422 with every problem, each as "Field: message" in the API's own field names."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__(422, "; ".join(errors))
        self.errors = errors


def _form_data(instance: models.Model | None, form_class: Any) -> dict[str, Any]:
    if instance is None:
        return {}
    fields = list(form_class.base_fields)
    data = model_to_dict(instance, fields=fields)
    for name, value in list(data.items()):
        if isinstance(value, list):
            data[name] = [getattr(v, "pk", v) for v in value]
        elif isinstance(value, models.Model):
            data[name] = value.pk
    for name in fields:  # fields the form computes (e.g. catalogue audiences) come from its initial
        if name not in data:
            form = form_class(instance=instance)
            if name in form.initial:
                data[name] = form.initial[name]
    return data


def save(slug: str, changes: dict[str, Any], actor: User, *, instance: models.Model | None = None,
         names: dict[str, str] | None = None, files: dict[str, Any] | None = None) -> Any:
    """Create (instance None) or update an object of resource `slug` with `changes` (form field names).

    `names` maps form field names back to the API's, for error messages; `files` are uploads for the
    form's file fields (their checks are the form's).
    """
    definition = BY_SLUG[slug]
    assert definition.form is not None
    data = {**_form_data(instance, definition.form), **changes}
    # Checkboxes: a form treats a missing key as False, so only send booleans that are True.
    data = {k: v for k, v in data.items() if v is not False and v is not None}
    kwargs: dict[str, Any] = {"data": data, "instance": instance, "files": files}
    if definition.form is UserForm:
        kwargs["actor"] = actor
    form = definition.form(**kwargs)
    if not form.is_valid():
        names = names or {}
        problems: list[str] = []
        for field, errors in form.errors.items():
            label = names.get(field, field) if field != "__all__" else ""
            problems.extend(f"{label}: {e}" if label else str(e) for e in errors)
        raise Invalid(problems)
    return writes.save_form(definition, form, actor)


def delete(slug: str, obj: models.Model, actor: User) -> None:
    writes.delete(BY_SLUG[slug], obj, actor)


def ids_or_read_form(values: list[int | str], field: str, current_names: list[str]) -> list[int] | None:
    """IDs from a list that a write gives as IDs, or sends back in the form a GET answers it (names).

    Numbers and digit strings ("3", as Tyk's clients send them) are IDs. Anything else must be the
    names a GET answers, unchanged (in any order): that is a body read with GET and sent back, and
    it changes nothing (None). Other names are a 422: names cannot say which object is meant.
    """
    if all(isinstance(v, int) or re.fullmatch(r"\s*[0-9]+\s*", v) for v in values):
        ids = [v if isinstance(v, int) else int(v) for v in values]
        bad = [i for i in ids if not 1 <= i <= MAX_ID]
        if bad:
            raise Invalid([f"{field}: there is no ID {bad[0]}"])
        return ids
    if sorted(str(v) for v in values) == sorted(current_names):
        return None
    raise Invalid([f"{field}: give IDs to change it; names, as a GET answers them, are accepted only unchanged"])

