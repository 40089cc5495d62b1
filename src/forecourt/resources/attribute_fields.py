"""The form fields of users' custom attributes (forecourt.accounts.attributes), shared by the Admin
Portal's user form (resources/forms.py) and the Live Portal's sign-up and account forms: one field
per attribute a channel shows, of its type's kind, required as its definition says, read-only once a
Write-once value is set. The fields only collect what is typed: `attributes.check` decides.
"""

from collections.abc import Mapping
from typing import Any

from django import forms

from forecourt.accounts import attributes
from forecourt.accounts.attributes import TRUE, Channel
from forecourt.accounts.models import CustomAttribute, User

Fields = dict[str, tuple[CustomAttribute, forms.Field]]


def field_name(attribute: CustomAttribute) -> str:
    return f"attr_{attribute.identifier}"


def form_field(attribute: CustomAttribute, current: str) -> forms.Field:
    common: dict[str, Any] = {"label": attribute.name, "help_text": attribute.description,
                              "required": attribute.required, "disabled": attributes.locked(attribute, current),
                              "initial": current}
    if attribute.type == CustomAttribute.Type.BOOLEAN:
        return forms.BooleanField(**{**common, "initial": current == TRUE})
    if attribute.type == CustomAttribute.Type.DROPDOWN:
        choices = [("", "—"), *((o, o) for o in attributes.options(attribute))]
        if current and current not in attributes.options(attribute):
            choices.append((current, current))
        return forms.ChoiceField(choices=choices, **common)
    return forms.CharField(max_length=attributes.MAX_VALUE, **common)


def form_fields(user: User | None, channel: Channel, *, skip_locked: bool = False) -> Fields:
    """Field name -> (attribute, field) for every attribute the channel's form shows; `skip_locked`
    leaves out those whose Write-once value is set (a page that shows them as text instead)."""
    values = attributes.current_values(user)
    return {field_name(a): (a, form_field(a, values.get(a.pk, ""))) for a in attributes.attributes_for(channel)
            if not (skip_locked and attributes.locked(a, values.get(a.pk, "")))}


def from_form(cleaned: Mapping[str, Any], fields: Fields) -> dict[CustomAttribute, object]:
    """The attributes' raw values from a form's cleaned data (an unticked Boolean is "false"); the
    read-only fields' are left out."""
    out: dict[CustomAttribute, object] = {}
    for name, (attribute, field) in fields.items():
        if field.disabled:
            continue
        value = cleaned.get(name)
        if attribute.type == CustomAttribute.Type.BOOLEAN:
            value = TRUE if value else attributes.FALSE
        out[attribute] = "" if value is None else value
    return out


def add_errors(form: forms.BaseForm, checked: attributes.Checked) -> None:
    """Put `check`'s refusals on the attributes' fields (those without an error already)."""
    for attribute, message in checked.problems.items():
        name = field_name(attribute)
        if name in form.fields and name not in form.errors:
            form.add_error(name, message)
        elif name not in form.fields:
            form.add_error(None, f"{attribute.name}: {message}")
