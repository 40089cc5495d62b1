"""The home page's own data (registered with themes.view_data for "views/home.html" by live/apps.py):
the featured products the visitor may see, and the three steps to a key with the visitor's next one.

Anonymous visitors get the whole page from the page cache, under the content revision, which every
product, catalogue and settings change bumps: (un)featuring a product shows at once. For signed-in
users the featured cards are kept in the page cache's fragments, shared by everyone who sees the same
catalogues (as the catalogue page's data is, cached.py); their steps cost one query.
"""

from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils.translation import gettext as _

from forecourt.access.models import AccessRequest, Credential
from forecourt.access.visibility import visible_apps
from forecourt.catalog.services import visible_catalogues
from forecourt.pagecache import fragments
from forecourt.portalconfig.models import PortalSettings
from forecourt.themes.urls_names import reverse_live

from . import data


def featured(user: Any) -> list[dict[str, Any]]:
    if not getattr(user, "is_authenticated", False):
        return data.featured(user)
    ids = sorted(visible_catalogues(user).values_list("pk", flat=True))
    cards: list[dict[str, Any]] = fragments.cached("home-featured", ids, lambda: data.featured(user))
    return cards


def _progress(user: Any) -> dict[str, int]:
    """How far `user` is along the way to a key, in one query: the apps they see, their live
    credentials and pending requests."""
    counts: dict[str, int] = visible_apps(user).aggregate(
        apps=Count("pk", distinct=True),
        credentials=Count("credentials", filter=Q(credentials__status__in=Credential.LIVE), distinct=True),
        pending=Count("access_requests", filter=Q(access_requests__status=AccessRequest.Status.PENDING),
                      distinct=True))
    return counts


def steps(user: Any) -> list[dict[str, Any]]:
    """The three steps to a key, each with where it happens (`url`, None when not yet reachable) and its
    state: "done", "current" (the visitor's next step) or "todo". Visitors are at the first; signed-in
    users at the second until they have an app with a request, then at the third until a credential is live."""
    signed_in = bool(getattr(user, "is_authenticated", False))
    sign_up = PortalSettings.sign_up_allowed()
    progress = _progress(user) if signed_in else {"apps": 0, "credentials": 0, "pending": 0}
    requested = progress["credentials"] > 0 or progress["pending"] > 0
    first: dict[str, str | None] = {"title": _("Create an account"),
             "text": _("Sign up with your work e-mail, or sign in if you already have an account."),
             "url": reverse_live("sign_up") if sign_up else reverse_live("sign_in"),
             "action": _("Sign up") if sign_up else _("Sign in")}
    second: dict[str, str | None] = {"title": _("Create an app and request access"),
              "text": _("Register your application, pick a product and the plan that fits your traffic."),
              "url": reverse_live("request_access") if progress["apps"] else reverse_live("app_create"),
              "action": _("Request access") if progress["apps"] else _("Create an app")}
    third: dict[str, str | None] = {"title": _("Get your credentials"),
             "text": (_("Your request is waiting for approval: your credentials appear on your dashboard.")
                      if progress["pending"] and not progress["credentials"]
                      else _("Copy your key or OAuth client from your dashboard and make your first call.")),
             "url": reverse_live("dashboard"), "action": _("Open your dashboard")}
    if not signed_in:
        # The developer pages need an account: a visitor's second step leads to the catalogue, where a
        # product is chosen, and the third waits for signing in.
        second.update(url=reverse_live("catalogue"), action=_("Browse the catalogue"))
        third.update(url=None, action=None)
        states = ("current", "todo", "todo")
    elif not requested:
        states = ("done", "current", "todo")
    elif not progress["credentials"]:
        states = ("done", "done", "current")
    else:
        states = ("done", "done", "done")
    return [{**step, "number": number, "state": state}
            for number, (step, state) in enumerate(zip((first, second, third), states, strict=True), start=1)]


def home_data(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {"featured": featured(user), "steps": steps(user)}
