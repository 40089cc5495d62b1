"""SAML 2.0 sign-in's three URLs, thin over forecourt.sso.saml (whose docstring explains the flow).

- `start` (GET /tib/auth/<key>/saml): to the IdP, with an AuthnRequest by the HTTP-Redirect binding.
- `acs` (POST /tib/auth/<key>/saml/callback, by the HTTP-POST binding; the dispatcher has already
  had the browser post it again from the portal's own page, so the session is there): the Response
  verified, then `finish`. A GET there (a bookmark, a back button) starts again.
- `metadata` (GET /tib/auth/<key>/saml/metadata): this SP's metadata, for the IdP's admin.

The absolute URLs the IdP sees (the entity ID, the ACS) are built from PublicURL when set, as e-mail
links are, else from the request: they must match what the IdP was given whatever the Host header says.
"""

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from forecourt.notify import links
from forecourt.sso import saml
from forecourt.sso.identity import SignInRefused
from forecourt.sso.models import SsoProfile

from . import finish


def _provider(request: HttpRequest, profile: SsoProfile) -> saml.ServiceProvider:
    root = links.base_url(request).rstrip("/")
    return saml.ServiceProvider(
        profile,
        acs_url=root + reverse("live:sso_callback", args=[profile.key, "saml"]),
        metadata_url=root + reverse("live:sso_saml_metadata", args=[profile.key]))


def start(request: HttpRequest, profile: SsoProfile) -> HttpResponse:
    finish.remember_next(request, profile)
    try:
        location = _provider(request, profile).start(request.session)
    except SignInRefused as refusal:
        return finish.refused(request, refusal.reason, status=503 if "unavailable" in refusal.code else 403)
    return HttpResponseRedirect(location)


def acs(request: HttpRequest, profile: SsoProfile) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseRedirect(reverse("live:sso_start", args=[profile.key, "saml"]))
    try:
        identity = _provider(request, profile).accept(
            request.session, request.POST.get("SAMLResponse", ""), request.POST.get("RelayState", ""))
    except SignInRefused as refusal:
        return finish.refused(request, refusal.reason)
    return finish.finish(request, profile, identity)


def metadata(request: HttpRequest, profile: SsoProfile) -> HttpResponse:
    try:
        xml = _provider(request, profile).metadata_xml()
    except SignInRefused as refusal:
        return finish.refused(request, refusal.reason)
    return HttpResponse(xml, content_type="application/samlmetadata+xml; charset=utf-8")
