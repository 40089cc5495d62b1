"""Time zones: which names are valid (the IANA database zoneinfo knows), and the zone a user's pages
and e-mails are shown in (their saved one, else the portal's, settings.TIME_ZONE: UTC)."""

import functools
import zoneinfo

from django.core.exceptions import ValidationError
from django.utils.functional import Promise as StrPromise
from django.utils.translation import gettext, gettext_lazy


@functools.cache
def available() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def is_valid(name: object) -> bool:
    return isinstance(name, str) and name in available()


def choices() -> list[tuple[str, "str | StrPromise"]]:
    """For a form's select: blank (the portal's default), then every zone by name."""
    return [("", gettext_lazy("Portal default (UTC)"))] + [(name, name) for name in sorted(available())]


def zone_of(saved: str) -> zoneinfo.ZoneInfo | None:
    """The zone to activate for a saved name, or None for the portal's default."""
    return zoneinfo.ZoneInfo(saved) if is_valid(saved) else None


def validate_time_zone(value: str) -> None:
    """A model field's validator: blank, or a zone of the IANA database."""
    if value and not is_valid(value):
        raise ValidationError(gettext("Not a time zone name (e.g. Europe/Berlin, America/New_York, UTC)."),
                              code="invalid_time_zone")
