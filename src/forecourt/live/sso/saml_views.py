"""Placeholder until the saml protocol lands (issue 17, this session): every URL of it answers 404."""

from django.http import Http404, HttpRequest, HttpResponse

from forecourt.sso.models import SsoProfile


def start(request: HttpRequest, profile: SsoProfile) -> HttpResponse:
    raise Http404("No such sign-in.")


def callback(request: HttpRequest, profile: SsoProfile) -> HttpResponse:
    raise Http404("No such sign-in.")


acs = callback
metadata = callback
