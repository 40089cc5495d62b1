"""The language and time zone an e-mail is rendered in: its recipients'.

Rendered at `send` time, often inside someone else's request (an admin approving a consumer's
request must not send the consumer the admin's language), so the request's language is never used:
the recipients' saved preference when they are users who all saved the same one, else the portal's
default language (and time zone: UTC). Users are a higher layer (accounts), which registers its
reader with `use_recipient_locale` when ready.
"""

import zoneinfo
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.utils import timezone, translation

from forecourt.i18n import languages, negotiation, zones


@dataclass(frozen=True)
class Locale:
    language: str = ""  # blank: none saved
    time_zone: str = ""  # blank: the portal's


_reader: Callable[[list[str]], Locale] = lambda addresses: Locale()  # noqa: E731


def use_recipient_locale(reader: Callable[[list[str]], Locale]) -> None:
    """accounts: the saved preferences the recipients share (blank where they do not)."""
    global _reader
    _reader = reader


def of(addresses: list[str]) -> tuple[str, zoneinfo.ZoneInfo | None]:
    """The language and time zone (None: the portal's) to render an e-mail to `addresses` in."""
    saved = _reader(addresses)
    offer = negotiation.offer()
    language = saved.language if saved.language in offer.offered and languages.is_shipped(saved.language) \
        else offer.default
    return language, zones.zone_of(saved.time_zone)


def language_of(addresses: list[str]) -> str:
    """The language an e-mail to `addresses` is rendered in: what a caller reads content in (a product's name
    in that language: forecourt.i18n.content) before it builds the e-mail's context."""
    return of(addresses)[0]


@contextmanager
def rendering_for(addresses: list[str]) -> Iterator[str]:
    """Within it, templates render in the recipients' language and time zone; yields the language."""
    language, zone = of(addresses)
    with translation.override(language), timezone.override(zone):
        yield language
