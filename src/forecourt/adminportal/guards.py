"""Who may see Admin Portal pages: the one place the rule lives (every Admin Portal view, those of
themes, webhooks and the e-mail log included, wears these decorators)."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from forecourt.themes.views import error_page


def admin_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Admins only. Visitors who are not signed in go to the sign-in page; a signed-in consumer gets
    the Live Portal's themed 404 and stays signed in.

    Consumers and admins share one session cookie, so signing a consumer out here (as this once
    did) ended their Live Portal session without a word, just for following a link. A deactivated
    admin is not signed in at all (the auth backend refuses inactive users), so they go to sign-in.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not getattr(user, "is_admin", False):
            return error_page(request, 404)
        return view(request, *args, **kwargs)

    return wrapper


def super_admin_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Admins only, and of those only super-admins; provider-admins get a 403."""

    @admin_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if getattr(request.user, "role", None) != "super-admin":
            raise PermissionDenied("Only super-admins may change the general settings.")
        return view(request, *args, **kwargs)

    return wrapper
