"""The OpenID Connect half of Tyk's sign-in URLs (/tib/auth/<key>/openid-connect and its /callback), reached
through the dispatcher (views.py), which has already found the enabled profile. Thin: forecourt.sso.oidc
does the protocol, finish.py the landing (the account, the second factor, where to go).

The redirect URI the IdP sends the browser back to is built from PublicURL when it is set (a forged Host
header then cannot change it), else from the request, as e-mailed links are (notify.links); it must be
registered at the IdP exactly as the profile's page shows it.

Why the callback may answer a page that comes straight back: the session cookie is SameSite=Strict by
default (Session.SameSite, as Tyk's), so the browser leaves it off the IdP's cross-site redirect, and the
state, nonce and PKCE verifier kept in the session would look lost. The callback then answers a page that
reloads the same URL from the portal itself (a meta refresh: no script, so the Content-Security-Policy
allows it), a same-site navigation that carries the cookie. Once, marked by `continue=1`; the session
created by signing in is then also sent on the pages that follow.
"""

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import escape
from django.views.decorators.cache import never_cache

from forecourt.notify import links
from forecourt.sso import oidc
from forecourt.sso.identity import SignInRefused
from forecourt.sso.models import SsoProfile

from . import finish

BOUNCED = "continue"


def redirect_uri(request: HttpRequest, profile: SsoProfile) -> str:
    return links.base_url(request).rstrip("/") + reverse("live:sso_callback",
                                                         args=[profile.key, profile.provider_segment])


@never_cache
def start(request: HttpRequest, profile: SsoProfile) -> HttpResponse:
    """Off to the IdP, with the state, nonce and PKCE verifier kept in the session for the callback."""
    finish.remember_next(request, profile)
    try:
        url = oidc.begin(request.session, profile, redirect_uri(request, profile))
    except SignInRefused as refused:
        return finish.refused(request, refused.reason)
    return HttpResponseRedirect(url)


@never_cache
def callback(request: HttpRequest, profile: SsoProfile) -> HttpResponse:
    """Back from the IdP (the query carries the code and the state): verified, then landed by finish."""
    params = request.GET.dict()
    if params.pop(BOUNCED, None) is None and not oidc.is_pending(request.session, profile, params.get("state", "")):
        return _same_site_again(request, params)
    try:
        identity = oidc.complete(request.session, profile, params)
    except SignInRefused as refused:
        return finish.refused(request, refused.reason)
    return finish.finish(request, profile, identity)


def _same_site_again(request: HttpRequest, params: dict[str, str]) -> HttpResponse:
    """This callback again, asked by a page of the portal (see the module's docstring)."""
    again = escape(f"{request.path}?{urlencode({**params, BOUNCED: '1'})}")
    return HttpResponse(
        f'<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url={again}">'
        f'<title>Signing you in</title></head><body><p><a href="{again}">Continue signing in</a></p></body></html>',
        headers={"Referrer-Policy": "no-referrer"})
