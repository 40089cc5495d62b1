"""The OpenID Connect half of Tyk's sign-in URLs (/tib/auth/<key>/openid-connect and its /callback), reached
through the dispatcher (views.py), which has already found the enabled profile. Thin: forecourt.sso.oidc
does the protocol, finish.py the landing (the account, the second factor, where to go).

The redirect URI the IdP sends the browser back to is built from PublicURL when it is set (a forged Host
header then cannot change it), else from the request, as e-mailed links are (notify.links); it must be
registered at the IdP exactly as the profile's page shows it.

The callback arrives without the SameSite=Strict session cookie the first time; the dispatcher repeats it
from the portal's own page (bounce.py), so by here the session that started the sign-in is back.
"""

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.cache import never_cache

from forecourt.notify import links
from forecourt.sso import oidc
from forecourt.sso.identity import SignInRefused
from forecourt.sso.models import SsoProfile

from . import finish


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
    try:
        identity = oidc.complete(request.session, profile, request.GET.dict())
    except SignInRefused as refused:
        return finish.refused(request, refused.reason)
    return finish.finish(request, profile, identity)

