"""A configuration warning or notice: English text that can still be said in another language.

The configuration is loaded before Django is set up (and imports no Django), so its warnings cannot be
translated when they are made; and as start-up log lines and the command line's output they stay English.
A `Said` is that English text (a `str`: logs, the CLI, `--json` and tests see exactly what they did), and
keeps its message and values, so a page can say it in its reader's language: the About page does, with
`in_language(gettext)`.
"""

from collections.abc import Callable
from typing import Any


def gettext_noop(message: str) -> str:
    """Marks `message` for the catalogues (scripts/messages.py extracts this name) without Django."""
    return message


class Said(str):  # noqa: SLOT000 (a str subtype takes no non-empty __slots__; it keeps two attributes)
    """`message % values` in English, remembering both: `in_language(gettext)` translates it."""

    message: str
    values: dict[str, Any]

    def __new__(cls, message: str, **values: Any) -> "Said":
        said = super().__new__(cls, message % values if values else message)
        said.message, said.values = message, values
        return said

    def in_language(self, gettext: Callable[[str], str]) -> str:
        translated = gettext(self.message)
        return translated % self.values if self.values else translated
