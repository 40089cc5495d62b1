"""Values an e-mail shows, put the recipient's way: dates in their language and time zone.

A mailer's context is JSON data (notify/rendering.py says why), so a date reaches it as an ISO string
(`2027-01-31`, or `2027-01-31T09:00:00+00:00` for a moment). Shown as it came, every reader would get
the ISO form; the mailer lists such fields instead (`Mailer.dates`), and they are formatted here, at
render time, inside `locale.rendering_for` (the recipients' language and time zone are active):
"31. Januar 2027" for a German reader, "31 janvier 2027" for a French one. A moment is first moved
into the reader's time zone, so its day is theirs. The theme validator's samples go through the same
function, so a theme is checked with what it will really get.
"""

import datetime
from typing import Any

from django.utils import timezone, translation
from django.utils.formats import date_format

from forecourt.i18n import languages

from . import mailers
from .mailers import BY_NAME


def language() -> dict[str, str]:
    """The e-mail's language, for the layout's `<html lang dir>`: the active one (the recipients')."""
    code = translation.get_language() or languages.DEFAULT
    return {"code": code, "dir": languages.direction(code)}


def shown_date(value: str) -> str:
    """An ISO date or date-time as the active language writes a date (DATE_FORMAT), in the active zone.

    ValueError, naming the value, for anything else: a mailer that promised a date and sent none is
    a bug to see, not a text to send."""
    if not isinstance(value, str):
        raise ValueError(f"an e-mail's date must be an ISO string, not {value!r}")
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"not an ISO date: {value!r}") from None
    if len(value) > 10:  # a date-time: the day it is for the reader
        day = (timezone.localtime(moment) if timezone.is_aware(moment) else moment).date()
    else:
        day = moment.date()
    return date_format(day, "DATE_FORMAT", use_l10n=True)


def localised(name: str, context: dict[str, Any]) -> dict[str, Any]:
    """`context` with the mailer `name`'s date fields formatted (a copy; other fields as they are).
    A blank or missing date stays as it is: templates test for it."""
    mailer = BY_NAME.get(name)
    if mailer is None or not mailer.dates:
        return context
    out = dict(context)
    for key in mailer.dates:
        if out.get(key):
            out[key] = shown_date(out[key])
    return out


def sample(template_path: str) -> dict[str, Any]:
    """What the theme validator renders `mailers/NAME.*` with (registered by notify/apps.py): the mailer's
    sample as notify.rendering.render gives it, dates formatted in the active language and the e-mail's
    `language` (the layout's `lang` and `dir`); layouts and partials get the language only."""
    name = template_path.removeprefix("mailers/").split(".", 1)[0]
    return {**localised(name, mailers.sample(template_path)), "language": language()}
