"""The Admin Portal's pages of the second factor: the second step of signing in, setting up an
authenticator app (during sign-in when the settings require one, or from the profile page), recovery
codes. Thin views over accounts.mfa, which holds every rule; the Live Portal has the same pages.
A passkey at the second step goes through the Live Portal's JSON endpoints (the session is shared),
with static/adminportal/passkey.js, a copy of the default theme's js/passkey.js (a test keeps them equal);
admins add and remove passkeys on the Live Portal's My account page, linked from the profile page."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from forecourt.accounts import mfa, throttle
from forecourt.accounts.models import User

from .forms import ConfirmAuthenticatorForm, SecondFactorForm
from .guards import admin_required


def _next(request: HttpRequest) -> str:
    candidate = str(request.POST.get("next") or request.GET.get("next") or "")
    if candidate.startswith("/") and url_has_allowed_host_and_scheme(candidate, allowed_hosts=set()):
        return candidate
    return ""


def _pending_admin(request: HttpRequest) -> User | None:
    """The pending sign-in's user, if an admin: the Admin Portal's sign-in takes admins only."""
    user = mfa.pending_user(request)
    return user if user is not None and user.is_admin else None


def _expired(request: HttpRequest) -> HttpResponse:
    messages.error(request, mfa.EXPIRED)
    return redirect("adminportal:login")


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"  # a secret or recovery codes are in this page and nowhere else
    return response


@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "HEAD", "POST"])
def sign_in_code(request: HttpRequest) -> HttpResponse:
    user = _pending_admin(request)
    if user is None:
        return _expired(request)
    if mfa.pending_enrolment(request):
        return redirect("adminportal:sign_in_set_up")
    form = SecondFactorForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            accepted, wait = mfa.verify_pending(request, user, form.cleaned_data["code"])
            if accepted:
                return redirect(_next(request) or "adminportal:dashboard")
            if wait:
                form.add_error(None, throttle.sign_in_locked(wait))
                response = render(request, "adminportal/sign_in_code.html", {
                    "form": form, "next": _next(request), "passkeys": mfa.factors(user).passkeys > 0}, status=429)
                response["Retry-After"] = str(wait)
                return response
            form.add_error("code", mfa.WRONG_CODE)
    return render(request, "adminportal/sign_in_code.html", {
        "form": form, "next": _next(request), "passkeys": mfa.factors(user).passkeys > 0}, status=status)


def _authenticator_page(request: HttpRequest, user: User, form: ConfirmAuthenticatorForm, action: str,
                        status: int = 200) -> HttpResponse:
    try:
        enrolment = mfa.enrolment(user)
    except ValidationError:
        enrolment = mfa.start_totp(user)
    context: dict[str, Any] = {"form": form, "enrolment": enrolment, "action": reverse(action),
                               "required": action.endswith("sign_in_set_up"), "next": _next(request)}
    return _no_store(render(request, "adminportal/authenticator.html", context, status=status))


def _confirm(request: HttpRequest, user: User, action: str) -> tuple[list[str] | None, HttpResponse | None]:
    form = ConfirmAuthenticatorForm(request.POST)
    if form.is_valid():
        try:
            return mfa.confirm_totp(user, form.cleaned_data["code"]), None
        except ValidationError as exc:
            form.add_error("code", exc)
    return None, _authenticator_page(request, user, form, action, status=400)


def _codes_page(request: HttpRequest, codes: list[str], continue_to: str) -> HttpResponse:
    return _no_store(render(request, "adminportal/recovery_codes.html", {"codes": codes, "continue_to": continue_to}))


@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "HEAD", "POST"])
def sign_in_set_up(request: HttpRequest) -> HttpResponse:
    user = _pending_admin(request)
    if user is None:
        return _expired(request)
    if not mfa.pending_enrolment(request):
        return redirect("adminportal:sign_in_code")
    if request.method != "POST":
        return _authenticator_page(request, user, ConfirmAuthenticatorForm(), "adminportal:sign_in_set_up")
    codes, refused = _confirm(request, user, "adminportal:sign_in_set_up")
    if refused is not None:
        return refused
    assert codes is not None
    mfa.finish(request, user)
    return _codes_page(request, codes, _next(request) or reverse("adminportal:dashboard"))


@never_cache
@admin_required
@require_http_methods(["GET", "HEAD"])
def sign_in_set_up_codes(request: HttpRequest) -> HttpResponse:
    """The recovery codes of a passkey an admin just set up during sign-in (through the Live Portal's
    JSON endpoint, which signed them in), shown once."""
    landing = _next(request) or reverse("adminportal:dashboard")
    codes = mfa.take_fresh_codes(request)
    if not codes:
        return redirect(landing)
    return _codes_page(request, codes, landing)


def _me(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@never_cache
@admin_required
@sensitive_post_parameters("code")
def authenticator(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    if mfa.factors(me).totp:
        messages.info(request, gettext("You already have an authenticator app."))
        return redirect("adminportal:profile")
    if request.method != "POST":
        return _authenticator_page(request, me, ConfirmAuthenticatorForm(), "adminportal:authenticator")
    codes, refused = _confirm(request, me, "adminportal:authenticator")
    if refused is not None:
        return refused
    assert codes is not None
    messages.success(request, gettext("Your authenticator app is set up: you will be asked for a code when you "
                                      "sign in."))
    return _codes_page(request, codes, reverse("adminportal:profile"))


@never_cache
@admin_required
@require_POST
def authenticator_remove(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    if mfa.is_required(me):
        messages.error(request, gettext("This portal requires a second factor for admins: ask a super admin to "
                                        "reset it."))
    else:
        mfa.remove_totp(me)
        messages.success(request, gettext("Your authenticator app is removed, with its recovery codes."))
    return redirect("adminportal:profile")


@never_cache
@admin_required
@require_POST
def recovery_codes(request: HttpRequest) -> HttpResponse:
    try:
        codes = mfa.new_recovery_codes(_me(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("adminportal:profile")
    return _codes_page(request, codes, reverse("adminportal:profile"))
