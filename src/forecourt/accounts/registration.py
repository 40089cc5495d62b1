"""THE registration rules: whether a new account may be made, checked by every path that makes one
(the sign-up form with or without an invite code, a consumer-admin's invitation: sent and accepted),
in the service, not in the page: a switch that only hides a form leaves the
backend taking registrations (issue 17: Azure's GHSA-vcwf-73jp-r7mv).

Two settings (portalconfig): `allow_sign_up` (off: no path a visitor takes makes an account) and
`allowed_email_domains` (set: only addresses at those domains). Admins may always create accounts
(the Admin Portal, the Admin API, the CLI do not call this). A later single sign-on's just-in-time
creation should call `check_may_register` with its own `Path`.
"""

import enum
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext, gettext_noop

from forecourt.portalconfig.models import PortalSettings

# Marked, not translated here: the English text is the constant (tests look for it); the refusal
# says it in the reader's language (gettext when raised).
SIGN_UP_OFF = gettext_noop("This portal does not take new registrations.")
DOMAIN_REFUSED = gettext_noop("Accounts on this portal are for addresses at %(domains)s only.")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")


class Path(enum.Enum):
    """How an account is being made: each path is refused the same way, named in tests and audits."""

    SIGN_UP = "sign-up"
    INVITE_CODE = "invite code"
    INVITATION = "invitation"
    # An account made at its first single sign-on through a profile that makes accounts (sso.signin):
    # the profile is the portal owner's explicit yes to its IdP's users, as an invite is.
    SSO = "single sign-on"


def parse_domains(text: str) -> list[str]:
    """The domains of the setting's text (one a line, or separated by commas or spaces), lower-case,
    without a leading "@"; a clear error naming the first that is not a domain."""
    domains: list[str] = []
    for raw in re.split(r"[\s,]+", text or ""):
        domain = raw.strip().lower().removeprefix("@").rstrip(".")
        if not domain:
            continue
        try:
            ascii_domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            ascii_domain = ""
        if not _DOMAIN.match(ascii_domain):
            raise ValidationError(gettext("“%(domain)s” is not a domain name (e.g. example.com).")
                                  % {"domain": raw[:100]}, code="invalid")
        if ascii_domain not in domains:
            domains.append(ascii_domain)
    return domains


def allowed_domains(settings: PortalSettings | None = None) -> list[str]:
    settings = settings or PortalSettings.load()
    try:
        return parse_domains(settings.allowed_email_domains)
    except ValidationError:
        return []  # the form refuses a bad value; an old row's stray text does not lock everyone out


def domain_allowed(email: str, settings: PortalSettings | None = None) -> bool:
    domains = allowed_domains(settings)
    if not domains:
        return True
    domain = email.rpartition("@")[2].strip().lower().rstrip(".")
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    return domain in domains


def check_may_register(email: str, path: Path, settings: PortalSettings | None = None) -> None:
    """Raise ValidationError (on `email`) unless an account for `email` may be made by `path`.

    Sign-up off refuses the path a visitor takes by themselves (the plain form). (An organisation
    request makes no account: its requester has one already.)
    An invite (an admin's invite code, a consumer-admin's invitation) lets its holder through sign-up off,
    as issue 17 says an invite may, and so does an SSO profile that makes accounts (its IdP's users are
    the portal owner's explicit choice), but not past the allowed domains: the domain list is what the
    portal's owner wants on it whoever asks.
    """
    settings = settings or PortalSettings.load()
    if not settings.allow_sign_up and path not in (Path.INVITATION, Path.INVITE_CODE, Path.SSO):
        raise ValidationError({"email": gettext(SIGN_UP_OFF)}, code="sign_up_off")
    if not domain_allowed(email, settings):
        domains = allowed_domains(settings)
        raise ValidationError({"email": gettext(DOMAIN_REFUSED) % {"domains": ", ".join(domains)}}, code="domain")
