"""THE rule deciding a request's language, in this order:

1. the signed-in user's saved preference (`User.language`), if the portal still offers it;
2. the choice the visitor made with the language switcher (the COOKIE, set for signed-in users too,
   so that it outlives signing out), if offered: an explicit choice beats what the browser says;
3. the browser's Accept-Language: the offered language of the highest q-value (a region falls back
   to its language: "de-AT" is "de"; q=0 and "*" choose nothing);
4. the portal's default language (the general settings).

A cookie, not the session: anonymous pages with a session are never served from the page cache,
while a visitor with only this cookie still is (the cache key holds the language chosen here:
pagecache.middleware.key). The page cache calls `language_of` before authentication has run: it
serves only requests without a session, so for it every request is anonymous, as it is here.

What the portal offers lives in its general settings (portalconfig, a higher layer), which register
their reader with `use_offer` when the app is ready; until then every shipped language is offered and
the default is English.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest
from django.utils.translation.trans_real import parse_accept_lang_header

from . import languages

COOKIE = "forecourt_language"
COOKIE_MAX_AGE = 365 * 24 * 3600


@dataclass(frozen=True)
class Offer:
    """The languages a portal offers, and its default (one of them)."""

    offered: tuple[str, ...]
    default: str


SHIPPED_OFFER = Offer(languages.CODES, languages.DEFAULT)
_source: Callable[[], Offer] = lambda: SHIPPED_OFFER  # noqa: E731


def use_offer(source: Callable[[], Offer]) -> None:
    """Read what the portal offers with `source` (portalconfig registers the general settings')."""
    global _source
    _source = source


def offer() -> Offer:
    """What the portal offers now."""
    return _source()


def from_accept_language(header: str, offered: tuple[str, ...]) -> str | None:
    """The offered language the browser prefers most, or None."""
    for tag, quality in parse_accept_lang_header(header or ""):
        if quality <= 0 or tag == "*":
            continue
        primary = tag.split("-", 1)[0]
        if primary in offered:
            return primary
    return None


def choose(*, saved: str, visitor_choice: str, accept_language: str, offer: Offer) -> str:
    """The language, from plain values (see the module's docstring for the order)."""
    for explicit in (saved, visitor_choice):
        if explicit and explicit in offer.offered:
            return explicit
    return from_accept_language(accept_language, offer.offered) or offer.default


def language_of(request: HttpRequest) -> str:
    """The language of this request."""
    user = getattr(request, "user", None)
    saved = getattr(user, "language", "") if user is not None and user.is_authenticated else ""
    return choose(saved=saved or "", visitor_choice=request.COOKIES.get(COOKIE, ""),
                  accept_language=request.META.get("HTTP_ACCEPT_LANGUAGE", ""), offer=offer())


def asked_for(request: HttpRequest) -> str:
    """The language a visitor asked for (the switcher's cookie, else the browser's Accept-Language),
    when the portal offers it; "" when they asked for none it offers.

    What an account made on this request saves as its owner's language (sign-up, an invitation
    accepted, an SSO sign-in that makes the account): the person keeps the language they were reading
    in, in their e-mails too. The portal's default is not saved ("" follows it, as it changes): it was
    not asked for."""
    current = offer()
    return choose(saved="", visitor_choice=request.COOKIES.get(COOKIE, ""),
                  accept_language=request.META.get("HTTP_ACCEPT_LANGUAGE", ""),
                  offer=Offer(current.offered, default=""))
