"""The dispatcher: which profile a URL names, and which protocol's view answers it.

A profile that does not exist, is disabled, or is named with another protocol's provider segment is
a 404, the same for all three, so the URLs say nothing about which profiles exist.
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from forecourt.sso.models import SsoProfile

from . import bounce, oidc_views, saml_views


def _profile(key: str, provider: str) -> SsoProfile:
    profile = SsoProfile.objects.filter(key=key, enabled=True).select_related("default_team").first()
    if profile is None or profile.provider_segment != provider:
        raise Http404("No such sign-in.")
    return profile


@never_cache
@require_http_methods(["GET", "HEAD"])
def start(request: HttpRequest, key: str, provider: str) -> HttpResponse:
    profile = _profile(key, provider)
    if profile.protocol == SsoProfile.Protocol.OIDC:
        return oidc_views.start(request, profile)
    return saml_views.start(request, profile)


# The IdP's answer: a top-level GET (OpenID Connect) or a cross-site POST (SAML's HTTP-POST binding),
# which carries no CSRF token; each protocol binds the answer to the browser that started the sign-in
# (OpenID Connect's state, SAML's request ID, kept in the session) instead. It arrives without the
# SameSite=Strict session cookie: bounce.py repeats it from the portal's own page, which brings the cookie.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def callback(request: HttpRequest, key: str, provider: str) -> HttpResponse:
    profile = _profile(key, provider)
    if bounce.needed(request):
        return bounce.page(request)
    if profile.protocol == SsoProfile.Protocol.OIDC:
        return oidc_views.callback(request, profile)
    return saml_views.acs(request, profile)


@require_http_methods(["GET", "HEAD"])
def saml_metadata(request: HttpRequest, key: str) -> HttpResponse:
    return saml_views.metadata(request, _profile(key, "saml"))
