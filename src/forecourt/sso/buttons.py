"""The single sign-on buttons a sign-in page shows: one per enabled profile of its audience.

Both portals' sign-in pages (the Live Portal's for consumers, the Admin Portal's for admins) show the
same plain data, so the rule of which profiles appear is `signin.enabled_profiles`' alone, and the URL
is the profile's start URL (Tyk's /tib/auth/<key>/<provider>) carrying where to go afterwards.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse

from . import signin


@dataclass(frozen=True)
class Button:
    name: str
    key: str
    url: str


def for_sign_in_page(*, for_admins: bool, after: str = "") -> list[Button]:
    """The buttons of a sign-in page; `after` (a local path, already checked by the page) goes along as `next`."""
    query = "?" + urlencode({"next": after}) if after else ""
    return [Button(name=profile.name, key=profile.key,
                   url=reverse("live:sso_start", args=[profile.key, profile.provider_segment]) + query)
            for profile in signin.enabled_profiles(for_admins=for_admins)]
