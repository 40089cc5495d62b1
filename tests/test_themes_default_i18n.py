"""Every word the default theme's pages show is marked for translation (issue 21): what is left of a
template once its `_()` calls, `{% trans %}` blocks, expressions, tags, comments and scripts are taken
out holds no words, and no attribute people read (placeholder, aria-label, title, alt) holds literal
text. E-mails (mailers/) are checked with the e-mails. A static check: it reads the files, renders
nothing, and so says which file and which words."""

import re
from pathlib import Path

import forecourt

DEFAULT = Path(forecourt.__file__).parent / "themes" / "default"

# Left as they are, on purpose: the brand mark's "</>", status-code classes and percentile names that
# read the same in every language, and a proper noun.
NOT_WORDS = {"&lt;/&gt;", "4xx", "5xx", "p50 (ms)", "p99 (ms)", "AsyncAPI"}

_TAKEN_OUT = [
    re.compile(r"\{%-?\s*trans\b.*?\{%-?\s*endtrans\s*-?%\}", re.DOTALL),  # translated blocks
    re.compile(r"\{#.*?#\}", re.DOTALL),
    re.compile(r"\{\{.*?\}\}", re.DOTALL),
    re.compile(r"\{%.*?%\}", re.DOTALL),
    re.compile(r"<(script|svg|style)\b.*?</\1>", re.DOTALL),
]
_READ_ATTRIBUTES = re.compile(r'\b(?:placeholder|aria-label|title|alt)="([^"{]*[A-Za-z][^"{]*)"')


def _templates() -> list[Path]:
    return sorted(p for folder in ("layouts", "partials", "views") for p in (DEFAULT / folder).glob("*.html"))


def _untranslated(source: str) -> list[str]:
    for pattern in _TAKEN_OUT:
        source = pattern.sub(" ", source)
    found = [f'attribute "{value}"' for value in _READ_ATTRIBUTES.findall(source)]
    # Tags and the separators (middle dot, breadcrumb, arrow) cut the text in pieces.
    text = re.sub(r"<[^>]*>|[\u00b7\u203a\u2192]", "\n", source)
    found += [piece for piece in (p.strip() for p in text.split("\n"))
              if re.search(r"[A-Za-z]", piece) and piece not in NOT_WORDS]
    return found


def test_every_word_of_the_default_theme_pages_is_marked_for_translation():
    left = {str(path.relative_to(DEFAULT)): words for path in _templates()
            if (words := _untranslated(path.read_text()))}
    assert left == {}


def test_the_check_sees_words_left_unmarked():
    assert _untranslated('<p>Hello <a title="Go home" href="{{ url }}">{{ _("home") }}</a></p>') == [
        'attribute "Go home"', "Hello"]
    assert _untranslated('{% trans n=1 %}{{ n }} app{% pluralize %}{{ n }} apps{% endtrans %}') == []
