"""Counts in words for what people read in the portals: "1 request", "2 requests", "5,000 requests".

"1 requests per minute" and "1 app(s)" read as machine output; every count the Live Portal and the
Admin Portal print in a sentence goes through `counted` (Django templates have `pluralize`, the
themes a plain `"" if n == 1 else "s"`). Imports no Django.

Two ways in, because this module sits below the translations:
- `counted(count, "request")` is English, for what stays English: the command line, audit notes, the
  Admin API's messages;
- `counted_in(phrase, count)` for text people read in their language: the caller's own `ngettext` chooses
  the words for the count (`ngettext("%(count)s request", "%(count)s requests", n)`, extracted from the
  caller into the catalogues as every marked text is), and this fills in the number, grouped by the
  `number` the caller passes (Django's `formats.number_format` groups as the active language does).
"""

from collections.abc import Callable


def grouped(count: int) -> str:
    """5000 -> "5,000": thousands separated with commas, as the plans' limits always were (in English)."""
    return f"{count:,}"


def counted(count: int, one: str, many: str | None = None) -> str:
    """`count` and its noun in the right number; `many` for nouns not made plural by adding "s"
    ("policy", "policies"). Thousands are separated with commas, as the plans' limits always were."""
    return f"{grouped(count)} {one if count == 1 else (many or one + 's')}"


def counted_in(phrase: str, count: int, number: Callable[[int], str] = grouped) -> str:
    """`phrase`, the words a caller's ngettext chose for `count` with a `%(count)s` placeholder, with
    the count written in: `counted_in(ngettext("%(count)s day", "%(count)s days", n), n)`. A phrase
    without the placeholder (a language that says "one day" in words) is returned as it is."""
    return phrase % {"count": number(count)} if "%(count)s" in phrase else phrase
