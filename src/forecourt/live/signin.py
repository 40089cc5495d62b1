"""`sign_in_required`: the Live Portal's pages for signed-in users only (account and developer pages)."""

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse


def sign_in_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Visitors go to the Live Portal's sign-in page, which brings them back here afterwards."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect(reverse("live:sign_in") + "?" + urlencode({"next": request.get_full_path()}))
        return view(request, *args, **kwargs)

    return wrapper
