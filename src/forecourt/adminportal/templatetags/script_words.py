"""The words the Admin Portal's scripts show, in the page's language: `{% script_words "multiselect" %}`.

A script (static/adminportal/*.js) builds some text itself: a status line, a label for what it adds.
The strict Content-Security-Policy allows no inline script, so the words cannot be written into code;
they come with the page as data, a `<script type="application/json" id="words-NAME">` element (JSON is
never run: CSP does not apply to it) that the script reads. Placeholders stay `%(name)s`, as in every
catalogue entry: the script fills them, numbers first formatted with Intl.NumberFormat in the page's
language (<html lang>). A text that depends on a number is given as its CLDR plural categories
("one", "other": Intl.PluralRules picks), each from the catalogue's own plural form for that number.
"""

from collections.abc import Callable

from django import template
from django.utils.html import json_script
from django.utils.safestring import SafeString
from django.utils.translation import gettext, ngettext, pgettext

register = template.Library()


def plural(text: Callable[[int], str]) -> dict[str, str]:
    """A counted text's forms by CLDR category, for Intl.PluralRules: the catalogue's form for 1 ("one")
    and for 2 ("other"); `text` is the ngettext call (written out, so that extraction finds it). For the
    shipped languages the two rules agree (French's "one" is 0 and 1 in both; Japanese has the one
    form); a category the page's language has beyond these reads "other"."""
    return {"one": text(1), "other": text(2)}


def multiselect() -> dict[str, object]:
    """multiselect.js: the chosen items' chips, the filter box and its status line."""
    return {
        # Translators: answer exactly "lower" if the field names in "Filter %(name)s" and "Chosen %(name)s"
        # are written in lower case in your language ("Filter products"), anything else (e.g. "as-is") to keep
        # them as their label writes them (German nouns: "Produkte filtern").
        "case": pgettext("multi-select field names", "lower"),
        # Translators: the label of a box that filters a list of choices; name is the field's ("products").
        "filter": gettext("Filter %(name)s"),
        # Translators: the name of the list of chosen items; name is the field's ("products").
        "chips": gettext("Chosen %(name)s"),
        # Translators: a button's name, which takes one item out of the chosen ones.
        "remove": gettext("Remove %(item)s"),
        "chosen": plural(lambda n: ngettext("%(count)s chosen", "%(count)s chosen", n)),
        "all": plural(lambda n: ngettext("%(count)s in all", "%(count)s in all", n)),
        "some": gettext("%(shown)s of %(count)s shown"),
        "none": gettext("nothing matches"),
        # Translators: the multi-select's status line: "3 chosen, 200 in all." (both parts are translated above).
        "status": gettext("%(chosen)s, %(shown)s."),
    }


WORDS: dict[str, Callable[[], dict[str, object]]] = {"multiselect": multiselect}


@register.simple_tag
def script_words(name: str) -> SafeString:
    """The script `name`'s words as a JSON data element with the id "words-NAME"."""
    if name not in WORDS:
        raise template.TemplateSyntaxError(f"no words for the script {name!r}: one of {sorted(WORDS)}")
    return json_script(WORDS[name](), f"words-{name}")
