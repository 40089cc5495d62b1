"""The form field of an object's translations, for every form of a translatable model (products, plans,
catalogues, product docs, pages, content blocks, menu items, posts), so the Admin Portal and the Admin
API (which saves through the same forms) write translations by one rule: `content.clean_translations`.

What a form is sent is merged, language by language, over what the object holds: a language sent
replaces that language's texts, a language sent empty is removed, a language not sent is kept as it is
(unchecked: it was checked when it was sent, and a later change of the default language must not
block saving the object's other fields). So a
partial Admin API body keeps the rest (as its other fields do), and the Admin Portal, which shows only
the languages offered now, keeps the translations of a language an admin stopped offering.

The field's own widget is a JSON text box; the Admin Portal gives it its side-by-side editor
(adminportal/widgets.py, through the forms' hook), which posts one input per language and field.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import content, languages, negotiation

FIELD_NAME = "translations"

WidgetFactory = Callable[["TranslationsField"], forms.Widget]
_widget: WidgetFactory | None = None


def use_widget(factory: WidgetFactory) -> None:
    """Give every translations field the widget `factory(field)` makes (the Admin Portal's side-by-side
    editor, registered in its AppConfig.ready() as its other widgets are). That widget reads the Admin
    API's JSON body too, since the API fills the same forms."""
    global _widget
    _widget = factory


class TranslationsField(forms.Field):
    """A mapping {language: {field: text}}; cleans to what may be stored (see the module)."""

    widget = forms.Textarea

    def __init__(self, *, limits: dict[str, int], labels: dict[str, str], originals: dict[str, Any],
                 stored: dict[str, Any] | None, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Translations"))
        kwargs.setdefault("help_text", _("The text in the other languages the portal offers. A field left empty "
                                         "shows the default language's text."))
        super().__init__(**kwargs)
        self.limits = limits  # field name -> length limit
        self.labels = labels  # field name -> its form label
        self.originals = originals  # field name -> the default text (shown beside its translations)
        self.stored = {k: v for k, v in (stored or {}).items() if isinstance(v, dict)}

    def prepare_value(self, value: Any) -> Any:
        return value if isinstance(value, str) else json.dumps(value or {}, ensure_ascii=False, indent=2)

    def to_python(self, value: Any) -> Any:
        if value in (None, ""):
            return None
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError as error:
                raise ValidationError(_("Translations must be JSON: %(error)s"), params={"error": error},
                                      code="invalid") from None
        return value

    def clean(self, value: Any) -> dict[str, dict[str, str]]:
        """What is sent, checked (`content.clean_translations`), over what is stored: only the languages sent
        are checked and replaced, so a language stored before an admin made it the default, or stopped
        offering it, never blocks saving the object's other fields."""
        sent = self.to_python(value)
        if sent is None:  # nothing sent (a form that does not show translations): keep them
            return dict(self.stored)
        if not isinstance(sent, dict):
            raise ValidationError(_("Translations must be an object of languages, each an object of fields."),
                                  code="invalid")
        cleaned = content.clean_translations(sent, fields=self.limits, default_language=negotiation.offer().default)
        merged = {**{code: texts for code, texts in self.stored.items() if code not in sent}, **cleaned}
        order = [*languages.CODES, *sorted(set(merged) - set(languages.CODES))]
        return {code: merged[code] for code in order if code in merged}

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            return self.clean(data) != (initial or {})
        except ValidationError:
            return True


def attach(form: Any) -> None:
    """Give a ModelForm of a `content.Translatable` model its translations field (replacing the plain JSON
    field a ModelForm makes of the column), with the model's translated fields that the form edits."""
    instance = form.instance
    model = type(instance)
    names = [name for name in model.translated_fields if name in form.fields]
    form.fields[FIELD_NAME] = TranslationsField(
        limits=content.limits_of(model, names),
        labels={name: str(form.fields[name].label or name) for name in names},
        originals={name: getattr(instance, name, "") for name in names},
        stored=getattr(instance, FIELD_NAME, None) if instance.pk else None)
    if _widget is not None:
        form.fields[FIELD_NAME].widget = _widget(form.fields[FIELD_NAME])


class TranslatableForm:
    """Mixed into a ModelForm of a `content.Translatable` model, before the ModelForm, with "translations"
    in its Meta.fields: the form then edits the translations of the fields it edits (`attach`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        attach(self)
