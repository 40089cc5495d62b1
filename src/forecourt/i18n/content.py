"""Translated content (issue 21, part 4): THE rule of which version of an admin's text a reader sees.

A translatable object (a product, plan, catalogue, page, content block, menu item, post...) keeps its
text, as the admin first wrote it, in its own fields: that is the portal's default language, and what
every reader sees where nothing better exists. Beside them, `translations` holds a version per other
language, field by field:

    {"de": {"display_name": "Zahlungen", "description": "..."}, "fr": {"display_name": "Paiements"}}

A reader gets the version of their language (the request's, `translation.get_language()`) for each field
that has one, and the default text for each field that does not: a half-translated product reads as
much of the reader's language as exists, never an empty title.

One JSON column per model rather than a table of translations: a page reads an object and its
translations in the row it already reads (no extra query, nothing to prefetch), and adding a language
changes no schema. `translations` is written only through `clean_translations`, so what is stored is
always a mapping of shipped language codes to mappings of the model's translated fields to non-empty
text within the field's length.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from . import languages

MAX_TEXT = 200_000  # characters of one translated TextField (a product's Markdown content is the longest)


class Translatable(models.Model):
    """An abstract model whose `translated_fields` may carry a version per language (`translations`).

    A model lists its translated fields by name; `translated(name)` is what a reader sees."""

    translated_fields: ClassVar[tuple[str, ...]] = ()

    # Nullable, not a database default: the previous release inserts rows without it (migration policy).
    translations = models.JSONField(
        null=True, default=dict, blank=True,
        help_text=_("The text in other languages, field by field: {\"de\": {\"description\": \"...\"}}."))

    class Meta:
        abstract = True

    def translated(self, name: str, language: str | None = None) -> str:
        """The field `name` in `language` (the active language when None), else its default text."""
        value = translated_value(self, name, language)
        return value if isinstance(value, str) else ""



def translated_value(obj: Any, name: str, language: str | None = None) -> Any:
    """`obj.<name>` as a reader of `language` sees it (see the module): works on any object with a
    `translations` mapping, and on a queryset's `.values()` row (a dict) that has `translations`."""
    if isinstance(obj, dict):
        default, versions = obj[name], obj.get("translations") or {}
    else:
        default, versions = getattr(obj, name), getattr(obj, "translations", None) or {}
    wanted = language or get_language()
    if not wanted:
        return default
    fields = versions.get(wanted) or versions.get(wanted.split("-")[0]) or {}
    text = fields.get(name) if isinstance(fields, dict) else None
    return text if isinstance(text, str) and text.strip() else default


def texts_of(translations: Any, *fields: str) -> list[str]:
    """Every translated text of `translations` (a `translations` value), of `fields` only when given,
    language by language: what search indexes add, so a reader finds an object in their language's words."""
    return [text for texts in (translations or {}).values() if isinstance(texts, dict)
            for name, text in texts.items() if isinstance(text, str) and text and (not fields or name in fields)]


def stored_fields(model: Any, *names: str) -> list[str]:
    """`names`, with "translations" when `model` has that column: index builders read it with `.values()`, and
    the migrations that build an index run them with historical models from before the column existed."""
    has = any(field.name == "translations" for field in model._meta.get_fields())
    return [*names, "translations"] if has else list(names)


def limits_of(model: type[models.Model], names: Iterable[str]) -> dict[str, int]:
    """Each translated field's length limit: the field's own max_length, or MAX_TEXT for text."""
    return {name: getattr(model._meta.get_field(name), "max_length", None) or MAX_TEXT for name in names}


def clean_translations(value: Any, *, fields: Mapping[str, int], default_language: str) -> dict[str, dict[str, str]]:
    """`value` as it may be stored, or ValidationError with every problem (nothing half-kept).

    `fields` maps each translatable field to its length limit. A language must be one Forecourt ships and
    not the default (whose text is the object's own fields); empty texts are dropped (the reader then
    sees the default text), and a language left with none is dropped too. Surrounding white space of a
    one-line text is trimmed, as the form fields do for the default text."""
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise ValidationError(_("Translations must be an object of languages, each an object of fields."),
                              code="invalid")
    problems: list[str] = []
    cleaned: dict[str, dict[str, str]] = {}
    for code, texts in value.items():
        if not languages.is_shipped(code):
            problems.append(str(_("“%(code)s” is not a language this portal can show (%(codes)s).")
                                % {"code": code, "codes": ", ".join(languages.CODES)}))
            continue
        if code == default_language:
            problems.append(str(_("“%(code)s” is the portal's default language: its text is the fields' own.")
                                % {"code": code}))
            continue
        if not isinstance(texts, dict):
            problems.append(str(_("The translations into “%(code)s” must be an object of fields.") % {"code": code}))
            continue
        kept: dict[str, str] = {}
        for name, text in texts.items():
            if name not in fields:
                problems.append(str(_("“%(name)s” cannot be translated (%(names)s can).")
                                    % {"name": name, "names": ", ".join(fields)}))
            elif not isinstance(text, str):
                problems.append(str(_("The “%(code)s” text of %(name)s must be text.") % {"code": code, "name": name}))
            elif "\x00" in text:
                problems.append(str(_("The “%(code)s” text of %(name)s contains a NUL character.")
                                    % {"code": code, "name": name}))
            else:
                text = text.strip() if fields[name] < MAX_TEXT else text
                if len(text) > fields[name]:
                    problems.append(str(_("The “%(code)s” text of %(name)s is longer than %(limit)d characters.")
                                        % {"code": code, "name": name, "limit": fields[name]}))
                elif text.strip():
                    kept[name] = text
        if kept:
            cleaned[code] = {name: kept[name] for name in fields if name in kept}
    if problems:
        raise ValidationError(problems)
    return {code: cleaned[code] for code in languages.CODES if code in cleaned}
