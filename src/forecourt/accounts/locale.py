"""The language and time zone users saved, as e-mails to them are rendered (notify.locale)."""

from forecourt.notify.locale import Locale

from .models import User


def recipient_locale(addresses: list[str]) -> Locale:
    """What every recipient saved, when they are all users and agree; blank otherwise (an address of no
    user, or users who chose differently: the portal's default, the same for all)."""
    wanted = {address.lower() for address in addresses}
    rows = [(email.lower(), language, zone) for email, language, zone in
            User.objects.filter(email__in=wanted | set(addresses)).values_list("email", "language", "time_zone")]
    if {email for email, _, _ in rows} != wanted:
        return Locale()
    chosen_languages = {language for _, language, _ in rows}
    chosen_zones = {zone for _, _, zone in rows}
    return Locale(language=chosen_languages.pop() if len(chosen_languages) == 1 else "",
                  time_zone=chosen_zones.pop() if len(chosen_zones) == 1 else "")
