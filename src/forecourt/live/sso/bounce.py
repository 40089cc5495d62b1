"""Bringing an identity provider's answer back with the session cookie.

The session cookie is SameSite=Strict by default (`Session.SameSite`, Tyk's default too). An IdP's
answer reaches the callback by a cross-site navigation (OpenID Connect: a redirect; SAML: a form the
IdP's page posts), and browsers send no Strict cookie with it (nor with any redirect that follows it):
the answer would arrive without the session that started the sign-in, whose state, nonce and request
ID bind it to this browser.

So the first time an answer arrives without the session cookie, the callback answers a small page of
the portal's own that repeats it: a GET by a meta refresh, a POST by a form that a static script
submits (with a button for browsers without JavaScript). A request started by the portal's own page
is same-site, and carries the cookie. Nothing in the answer is read before it comes back; an answer
that comes back still without a session (a stranger's, or cookies off) goes on to its protocol, which
refuses it for want of the sign-in it claims to answer. The page is never cached, sends no referrer
(the answer's code is in its URL), and escapes every value.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.templatetags.static import static
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.translation import gettext as _

BOUNCED = "_sso_bounced"


def needed(request: HttpRequest) -> bool:
    """Whether this answer came without the session cookie and has not been repeated yet."""
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        return False
    return BOUNCED not in request.GET and BOUNCED not in request.POST


def page(request: HttpRequest) -> HttpResponse:
    """The portal's own page repeating the answer (see the module's docstring)."""
    if request.method == "POST":
        fields = [(k, v) for k in request.POST for v in request.POST.getlist(k)] + [(BOUNCED, "1")]
        body = format_html(
            '<form id="sso-continue" method="post" action="{}">{}<p>{}</p>'
            '<button type="submit">{}</button></form><script src="{}"></script>',
            request.path, format_html_join("", '<input type="hidden" name="{}" value="{}">', fields),
            _("Signing you in…"), _("Continue"), static("live/sso-continue.js"))
    else:
        query = [(k, v) for k in request.GET for v in request.GET.getlist(k)] + [(BOUNCED, "1")]
        target = f"{request.path}?{urlencode(query)}"
        body = format_html('<meta http-equiv="refresh" content="0;url={}"><p>{} '
                           '<a href="{}">{}</a></p>', target, _("Signing you in…"), target, _("Continue"))
    html = format_html('<!doctype html><html lang="en"><head><meta charset="utf-8">'
                       '<meta name="referrer" content="no-referrer"><title>{}</title></head>'
                       "<body>{}</body></html>", _("Signing in"), body)
    response = HttpResponse(html)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response
