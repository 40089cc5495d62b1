"""Who may see Admin Portal pages."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse


def admin_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Send anyone who is not a signed-in, active admin to the sign-in page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not user.is_authenticated or not getattr(user, "is_admin", False):
            if user.is_authenticated:
                logout(request)  # e.g. a consumer's session, or an admin deactivated since
            return redirect_to_login(request.get_full_path())
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
