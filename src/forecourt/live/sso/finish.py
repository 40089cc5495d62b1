"""The end of every SSO sign-in, whatever the protocol: the account, the second factor, the landing.

Protocol views call `remember_next` when they send the browser to the IdP, and `finish` once the
library has verified the IdP's answer. What is kept in between sits in the session under this
profile's key, so two sign-ins started in two tabs do not mix.

Linking: a signed-in user who starts a profile's sign-in from their account page (`?link=1`) links the
identity to their own account (sso.signin.link, audited) instead of signing in; the IdP's answer
proves they hold that identity, their session proves they hold the account.
"""

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy

from forecourt import themes
from forecourt.accounts import mfa
from forecourt.accounts.models import User
from forecourt.i18n import negotiation
from forecourt.sso import signin
from forecourt.sso.identity import Identity, SignInRefused
from forecourt.sso.models import SsoProfile

SESSION_KEY = "sso.pending"
REFUSED_TITLE = gettext_lazy("Sign-in refused")


def _safe_path(candidate: str, for_admins: bool) -> str:
    """A path on this portal, or "": never another site (an open redirect), and consumers never into
    the Admin Portal or API (which would only sign them out)."""
    candidate = (candidate or "").strip()
    if not candidate.startswith("/") or len(candidate) > 2000:
        return ""
    if not url_has_allowed_host_and_scheme(candidate, allowed_hosts=set(), require_https=False):
        return ""
    if candidate.startswith(("/portal-admin/", "/portal-api/")) and not for_admins:
        return ""
    return candidate


def remember_next(request: HttpRequest, profile: SsoProfile) -> None:
    """Keep where to land (`?next=`) and whether this is a link from the account page (`?link=1`)."""
    pending = dict(request.session.get(SESSION_KEY) or {})
    pending[profile.key] = {
        "next": _safe_path(request.GET.get("next", ""), profile.for_admins),
        "link": request.GET.get("link") == "1" and request.user.is_authenticated,
    }
    request.session[SESSION_KEY] = pending


def _take(request: HttpRequest, profile: SsoProfile) -> dict[str, Any]:
    pending = dict(request.session.get(SESSION_KEY) or {})
    state = pending.pop(profile.key, None) or {}
    request.session[SESSION_KEY] = pending
    return state if isinstance(state, dict) else {}


def refused(request: HttpRequest, reason: str, status: int = 403) -> HttpResponse:
    """The page a refused sign-in shows: the rule's plain reason, never the IdP's raw answer."""
    return themes.render(request, "views/error.html", {
        "page": {"title": str(REFUSED_TITLE)},
        "error": {"status": status, "title": str(REFUSED_TITLE), "message": str(reason)}}, status=status)


def _landing(profile: SsoProfile, next_path: str) -> str:
    if next_path:
        return next_path
    if profile.return_url:
        return profile.return_url
    return reverse("adminportal:dashboard") if profile.for_admins else reverse("live:home")


def finish(request: HttpRequest, profile: SsoProfile, identity: Identity) -> HttpResponse:
    """Sign the identity in (or link it), then the second factor if one is needed, then land."""
    state = _take(request, profile)
    next_path = str(state.get("next") or "")
    if state.get("link") and request.user.is_authenticated:
        user = request.user
        assert isinstance(user, User)
        try:
            signin.link(profile, identity, user, actor=user)
        except SignInRefused as refusal:
            return refused(request, refusal.reason)
        messages.success(request, f"{profile.name} is linked to your account: you can sign in with it.")
        return HttpResponseRedirect(next_path or reverse("live:my_account"))
    try:
        user = signin.resolve_user(profile, identity, language=negotiation.asked_for(request))
    except SignInRefused as refusal:
        return refused(request, refusal.reason)
    step = mfa.after_first_factor(request, user)
    landing = _landing(profile, next_path)
    if step == "signed-in":
        return HttpResponseRedirect(landing)
    namespace = "adminportal" if profile.for_admins else "live"
    name = "sign_in_code" if step == "verify" else "sign_in_set_up"
    return HttpResponseRedirect(reverse(f"{namespace}:{name}") + "?" + urlencode({"next": landing}))
