"""Turning a mailer name and plain data into a subject, a text body and an HTML body.

The templates are the active theme's `mailers/` (falling back to the default theme's, file by
file): admins restyle or reword every e-mail with the rest of their theme.
"""

import json
import re
from dataclasses import dataclass
from typing import Any

from forecourt.themes.rendering import render_mail

from . import values
from .mailers import BY_NAME

SUBJECT_MAX = 255  # EmailLog.subject's length; longer subjects are shortened, not refused
_TEMPLATE_NAME = re.compile(r"[a-z0-9_]+")


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def check_recipients(to: list[str]) -> list[str]:
    """Stripped addresses; refuses what EmailLog.to (comma-separated) or a header could not hold."""
    if isinstance(to, str):
        raise TypeError("`to` is a list of addresses, not a string")
    addresses = [address.strip() for address in to]
    if not addresses or not all(addresses):
        raise ValueError("at least one recipient address is needed, and none may be empty")
    for address in addresses:
        if any(c in address for c in ",\r\n"):
            raise ValueError(f"one address per item, without commas or line breaks: {address!r}")
    return addresses


def render(template: str, context: dict[str, Any]) -> Rendered:
    """Render the theme's mailers/<template>.subject.txt, .txt and .html.

    The context must be JSON data: templates then see plain values, never model instances
    whose attributes (a password hash, say) a template could reach. The name is restricted
    so it cannot walk out of mailers/.
    """
    if not _TEMPLATE_NAME.fullmatch(template) or template not in BY_NAME:
        raise ValueError(f"not an e-mail the portal sends: {template!r} (see forecourt.notify.mailers)")
    try:
        json.dumps(context)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"e-mail context must be JSON-serialisable: {exc}") from None
    # Dates the recipient's way, and the e-mail's language for its layout (`language`, as pages have).
    subject, text, html = render_mail(template, {**values.localised(template, context),
                                                 "language": values.language()})
    if len(subject) > SUBJECT_MAX:
        subject = subject[: SUBJECT_MAX - 1].rstrip() + "…"
    return Rendered(subject=subject, text=text, html=html)
