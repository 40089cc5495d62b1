"""The searchable multi-select of the Admin Portal's forms (products, plans and audiences of a
catalogue, a user's teams...): lists that grow to hundreds of choices.

Without JavaScript it is a list of checkboxes in a scrolling box, chosen ones first, that submits
like any checkbox list (so the Admin API, which fills the same forms, is unaffected). With
JavaScript, static/adminportal/multiselect.js (loaded by form.html with the page's CSP nonce) adds
a type-to-filter box, the chosen items as removable chips and arrow-key movement; the checkboxes
stay the form's value, so both ways submit the same thing.

The options are written by one template loop (not one included template each), and the choices
come from the field's queryset in one query, as for any ModelMultipleChoiceField.
"""

import json
from typing import Any

from django import forms

from forecourt.i18n import languages, negotiation
from forecourt.i18n.content_forms import TranslationsField


class SearchableMultiSelect(forms.CheckboxSelectMultiple):
    template_name = "adminportal/widgets/searchable_multi_select.html"

    def optgroups(self, name: str, value: list[Any], attrs: dict[str, Any] | None = None) -> list[Any]:
        """The options with the chosen ones first (stable otherwise), so that without JavaScript
        what is chosen is seen at the top of a long list. Each keeps the id of its place in the choices."""
        groups = super().optgroups(name, value, attrs)
        return sorted(groups, key=lambda group: not any(option["selected"] for option in group[1]))


def make_searchable(form: forms.BaseForm) -> None:
    """Give each multiple-choice field of `form` the searchable multi-select, keeping its choices and
    attributes. Registered by apps.py as a hook of forecourt.resources.forms.AdminModelForm, the one
    place the forms get it."""
    for form_field in form.fields.values():
        if isinstance(form_field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField) and not isinstance(
                form_field.widget, SearchableMultiSelect | forms.MultipleHiddenInput):
            widget = SearchableMultiSelect(attrs=form_field.widget.attrs)
            widget.choices = form_field.choices  # type: ignore[assignment]  # lazy: a ModelChoiceIterator
            widget.is_required = form_field.widget.is_required
            form_field.widget = widget


class SideBySideTranslations(forms.Widget):
    """The translations of an object's text (i18n/content_forms.py), edited beside the text they translate:
    one section per language the portal offers besides its default, each field's default text on the
    left and its translation's input on the right (stacked on a narrow screen: admin.css).

    Each input is named `translations.<language>.<field>`; a JSON object sent as `translations` (the Admin
    API's body, which fills the same form) is read as it is. Languages not shown (no longer offered) are
    not posted, so the field keeps them."""

    template_name = "adminportal/widgets/side_by_side_translations.html"

    def __init__(self, field: TranslationsField) -> None:
        super().__init__()
        self.field = field

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        if isinstance(value, str):
            try:
                value = json.loads(value) if value.strip() else {}
            except ValueError:
                value = {}
        versions = value if isinstance(value, dict) else {}
        offer = negotiation.offer()
        base_id = (attrs or {}).get("id") or f"id_{name}"
        shown = []
        for code in offer.offered:
            if code == offer.default:
                continue
            texts = versions.get(code)
            texts = texts if isinstance(texts, dict) else {}
            rows = [{"field": field, "label": label, "original": self.field.originals.get(field) or "",
                     "long": self.field.limits[field] > 255, "limit": self.field.limits[field],
                     "input_name": f"{name}.{code}.{field}", "id": f"{base_id}_{code}_{field}",
                     "value": texts.get(field) or ""}
                    for field, label in self.field.labels.items()]
            shown.append({"code": code, "name": languages.BY_CODE[code].name,
                          "dir": languages.direction(code), "rows": rows,
                          "filled": sum(1 for row in rows if row["value"])})
        context["widget"].update(languages=shown, default=offer.default,
                                 default_dir=languages.direction(offer.default))
        return context

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        if name in data:  # the Admin API's object (or a JSON text)
            return data[name]
        prefix = name + "."
        posted: dict[str, dict[str, str]] = {}
        for key in data:
            if key.startswith(prefix):
                code, _, field = key[len(prefix):].partition(".")
                posted.setdefault(code, {})[field] = data.get(key)
        return posted or None

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data and not any(str(key).startswith(name + ".") for key in data)

    def id_for_label(self, id_: str) -> str:
        return ""  # a fieldset of inputs, each labelled
