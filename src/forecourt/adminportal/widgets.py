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

from typing import Any

from django import forms


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
