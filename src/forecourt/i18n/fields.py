"""The form field of a set of shipped languages (the general settings' "languages offered"): ticked
boxes in the Admin Portal, a list in the Admin API and configuration as code, and the comma-separated
text it is stored as, all accepted; it cleans to that text, in the shipped order."""

from typing import Any

from django import forms

from . import languages


def _codes(value: Any) -> list[str]:
    if isinstance(value, str):
        return [code.strip() for code in value.split(",") if code.strip()]
    return [str(code) for code in value or []]


class LanguagesField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("choices", languages.django_languages())
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        return _codes(value)

    def to_python(self, value: Any) -> list[str]:
        return _codes(value)

    def clean(self, value: Any) -> str:
        chosen = super().clean(value)
        return ",".join(code for code in languages.CODES if code in chosen)
