"""The Admin API's `Translations` field (issue 21, part 4): an object's text in other languages, under
the API's own field names, for every resource whose model is translatable (i18n/content.py).

What is stored is keyed by the model's field names ({"de": {"display_name": "..."}}); the API speaks
its PascalCase names ({"de": {"DisplayName": "..."}}). One `TranslatedFields` per resource, made from
that router's own API -> form mapping, converts both ways, so no router keeps a copy of the rule.

A body's `Translations` is checked here with THE rule of what may be stored
(`content.clean_translations`) under the API's names, so every refusal names the field as the client
sent it ("Translations: “Name” cannot be translated (DisplayName, Description can)") rather than the
form's internal name; the form then merges it over what is stored, language by language (a language
sent replaces that language, sent as {} removes it, one not sent is kept), validates it again and
saves it with the object's other changes, audited as one change.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from ninja import Field

from forecourt.i18n import content, languages, negotiation

from .forms import Invalid

API_NAME = "Translations"
FORM_NAME = "translations"

# {language: {API field name: text}}: the answers' and the bodies' type.
Translations = dict[str, dict[str, str]]


def answer_field(fields: TranslatedFields) -> Any:
    """The `Translations` field of an answer schema, with the resource's own field names."""
    return Field(description=(
        f"Forecourt's own: the text in the other languages the portal can show, field by field under this "
        f"object's API field names: `{fields.example()}`. A reader of one of them sees each field that has a "
        f"translation in their language, and the default text for the others. `{{}}` when none. "
        f"Translatable: {fields.listed()}."))


def body_field(fields: TranslatedFields) -> Any:
    """The optional `Translations` field of a request body, with the resource's own field names."""
    return Field(None, description=(
        f"Forecourt's own: translations by language, each an object of API field names and texts "
        f"(`{fields.example()}`), merged over the stored ones language by language: a language sent replaces "
        f"that language's texts, a language sent as `{{}}` is removed, languages left out are kept. Left out "
        f"or null: all are kept. A language must be one Forecourt ships and not the portal's default. "
        f"Translatable: {fields.listed()}."))


class TranslatedFields:
    """A resource's translatable fields: the model's `translated_fields` that its API exposes, by API name."""

    def __init__(self, model: type[content.Translatable], api_to_form: Mapping[str, str]) -> None:
        self.model = model
        self.to_form = {api: form for api, form in api_to_form.items() if form in model.translated_fields}
        self.to_api = {form: api for api, form in self.to_form.items()}
        missing = set(model.translated_fields) - set(self.to_api)
        # Every translated field must have an API name, or the API would silently drop its translations.
        assert not missing, f"{model.__name__}: no API name for the translated fields {sorted(missing)}"
        limits = content.limits_of(model, self.to_api)
        self.limits = {api: limits[form] for api, form in self.to_form.items()}

    def listed(self) -> str:
        return ", ".join(f"`{api}`" for api in self.to_form)

    def example(self) -> str:
        return json.dumps({"de": {next(iter(self.to_form)): "..."}})

    def answer(self, obj: models.Model | Mapping[str, Any]) -> Translations:
        """The stored translations of `obj` (a model instance or a `.values()` row) under the API's names,
        languages in the order Forecourt ships them; `{}` when none."""
        stored = obj.get(FORM_NAME) if isinstance(obj, Mapping) else getattr(obj, FORM_NAME, None)
        stored = stored if isinstance(stored, dict) else {}
        # Ordered here, not as stored: PostgreSQL's jsonb keeps its own key order, and answers should not
        # differ by database.
        codes = [c for c in languages.CODES if c in stored] + sorted(c for c in stored if c not in languages.CODES)
        answered: Translations = {}
        for code in codes:
            texts = stored[code]
            if not isinstance(texts, dict):
                continue
            named = {api: texts[form] for form, api in self.to_api.items() if isinstance(texts.get(form), str)}
            if named:
                answered[code] = named
        return answered

    def changes(self, sent: Mapping[str, Any] | None) -> dict[str, Any]:
        """A body's `Translations` as the form's `translations` change ({} when not sent, so kept).

        Refused (422, every problem, each "Translations: ...") by the rule of what may be stored, read
        under the API's names; a language sent as {} is passed on as such, so the form removes it."""
        if sent is None:
            return {}
        try:
            content.clean_translations(dict(sent), fields=self.limits, default_language=negotiation.offer().default)
        except ValidationError as error:
            raise Invalid([f"{API_NAME}: {message}" for message in error.messages]) from None
        return {FORM_NAME: {code: {self.to_form[name]: text for name, text in texts.items()}
                            for code, texts in sent.items()}}


def names(api_names: Mapping[str, str]) -> dict[str, str]:
    """A router's form -> API names for error messages, with the translations field's own."""
    return {**api_names, FORM_NAME: API_NAME}
