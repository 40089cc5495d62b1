"""My account's portal API token: what an MCP client (or another tool of the user's) signs in with.

Thin over accounts.tokens, which holds the rules (one token per user, shown once, revoked at once).
A new token is in the answer to the POST that made it and nowhere else: no redirect, no message, no
cache, so it cannot be shown again.
"""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from forecourt import themes
from forecourt.accounts import tokens
from forecourt.accounts.models import User
from forecourt.live.signin import sign_in_required


def token_data(user: User) -> dict[str, Any] | None:
    """The user's token as plain data for the theme (never the token itself), or None."""
    row = tokens.current(user)
    if row is None:
        return None
    return {"prefix": row.prefix, "created": row.created_at.date(),
            "last_used": row.last_used_at.date() if row.last_used_at else None}


@never_cache
@sign_in_required
@require_http_methods(["GET", "HEAD", "POST"])
def api_token(request: HttpRequest) -> HttpResponse:
    me = request.user
    assert isinstance(me, User)
    new_token = ""
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create":
            new_token = tokens.rotate(me)
        elif action == "revoke":
            if tokens.revoke(me):
                messages.success(request, _("Your API token is revoked: it no longer works."))
            return redirect("live:api_token")
        else:
            messages.error(request, _("Unknown action."))
            return redirect("live:api_token")
    # never_cache: no-store, so the new token stays in this answer and nowhere else.
    return themes.render(request, "views/account_api_token.html", {
        "page": {"title": _("API token")}, "token": token_data(me), "new_token": new_token,
        "mcp_url": request.build_absolute_uri(reverse("mcp")),
    })
