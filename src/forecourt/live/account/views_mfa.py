"""Live Portal pages of the second factor: the second step of signing in (a code), setting up an
authenticator app (during sign-in when the settings require one, or from My account), recovery codes.
Thin views over accounts.mfa, which holds every rule (the pending sign-in, throttling, replays)."""

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from forecourt import themes
from forecourt.accounts import mfa, passkeys, throttle
from forecourt.accounts.models import User
from forecourt.live.signin import sign_in_required

from . import forms
from .views import safe_next


def _page(title: str) -> dict[str, Any]:
    return {"title": title}


def _me(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _expired(request: HttpRequest) -> HttpResponse:
    messages.error(request, mfa.EXPIRED)
    return redirect("live:sign_in")


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"  # a secret or recovery codes are in this page and nowhere else
    return response


def _next_of(request: HttpRequest, user: User) -> str:
    return safe_next(request, user) or ""


@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "HEAD", "POST"])
def sign_in_code(request: HttpRequest) -> HttpResponse:
    """The second step: the pending user's code (TOTP or recovery), throttled like passwords."""
    user = mfa.pending_user(request)
    if user is None or mfa.pending_enrolment(request):
        return _expired(request) if user is None else redirect("live:sign_in_set_up")
    form = forms.SecondFactorForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            accepted, wait = mfa.verify_pending(request, user, form.cleaned_data["code"])
            if accepted:
                return redirect(_next_of(request, user) or "live:home")
            if wait:
                form.add_error(None, throttle.sign_in_locked(wait))
                response = themes.render(request, "views/sign_in_code.html", {
                    "page": _page(_("Second step")), "form": forms.form_data(form), "next": safe_next(request),
                    "passkeys": mfa.factors(user).passkeys > 0}, status=429)
                response["Retry-After"] = str(wait)
                return response
            form.add_error("code", mfa.WRONG_CODE)
    return themes.render(request, "views/sign_in_code.html", {
        "page": _page(_("Second step")), "form": forms.form_data(form), "next": safe_next(request),
        "passkeys": mfa.factors(user).passkeys > 0}, status=status)


def _authenticator_page(request: HttpRequest, user: User, form: forms.ConfirmAuthenticatorForm, action: str,
                        status: int = 200) -> HttpResponse:
    try:
        enrolment = mfa.enrolment(user)
    except ValidationError:
        enrolment = mfa.start_totp(user)
    return _no_store(themes.render(request, "views/account_authenticator.html", {
        "page": _page(_("Set up an authenticator app")), "form": forms.form_data(form), "action": action,
        "required": action == "sign_in_set_up", "next": safe_next(request),
        "enrolment": {"secret": enrolment.secret, "qr_code": enrolment.qr_svg_data_url},
    }, status=status))


def _confirm(request: HttpRequest, user: User, action: str) -> tuple[list[str] | None, HttpResponse | None]:
    form = forms.ConfirmAuthenticatorForm(request.POST)
    if form.is_valid():
        try:
            return mfa.confirm_totp(user, form.cleaned_data["code"]), None
        except ValidationError as exc:
            form.add_error("code", exc)
    return None, _authenticator_page(request, user, form, action, status=400)


def _recovery_codes_page(request: HttpRequest, codes: list[str], continue_to: str) -> HttpResponse:
    return _no_store(themes.render(request, "views/account_recovery_codes.html", {
        "page": _page(_("Your recovery codes")), "codes": codes, "continue_to": continue_to}))


@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "HEAD", "POST"])
def sign_in_set_up(request: HttpRequest) -> HttpResponse:
    """A user who must have a second factor and has none sets one up right after the password; the
    first right code signs them in."""
    user = mfa.pending_user(request)
    if user is None:
        return _expired(request)
    if not mfa.pending_enrolment(request):
        return redirect("live:sign_in_code")
    if request.method != "POST":
        return _authenticator_page(request, user, forms.ConfirmAuthenticatorForm(), "sign_in_set_up")
    codes, refused = _confirm(request, user, "sign_in_set_up")
    if refused is not None:
        return refused
    assert codes is not None
    mfa.finish(request, user)
    return _recovery_codes_page(request, codes, _next_of(request, user) or reverse("live:home"))


@never_cache
@require_POST
def sign_in_set_up_passkey_options(request: HttpRequest) -> HttpResponse:
    user = mfa.pending_user(request)
    if user is None or not mfa.pending_enrolment(request):
        return _json_error(mfa.EXPIRED, 403)
    return _options(passkeys.registration_options(user, passkeys.site_of(request), request.session))


@never_cache
@require_POST
def sign_in_set_up_passkey(request: HttpRequest) -> HttpResponse:
    """A passkey as the second factor a user must set up during sign-in (instead of an authenticator
    app): registered as from My account, then the sign-in finishes and its recovery codes show once.
    Both portals' set-up pages use it (the session is shared); `next` says where to land."""
    user = mfa.pending_user(request)
    if user is None or not mfa.pending_enrolment(request):
        return _json_error(mfa.EXPIRED, 403)
    try:
        data = passkeys.parse_body(request.body)
        passkeys.register(user, passkeys.site_of(request), request.session, str(data.get("name") or ""),
                          data.get("credential") or {})
    except ValidationError as exc:
        return _json_error(" ".join(exc.messages))
    mfa.finish_enrolment_with_passkey(request, user)
    landing = _next_of(request, user) or reverse("adminportal:dashboard" if user.is_admin else "live:home")
    portal = "adminportal" if landing.startswith("/portal-admin/") else "live"
    return JsonResponse({"redirect": reverse(f"{portal}:sign_in_set_up_codes") + "?" + urlencode({"next": landing})})


@never_cache
@sign_in_required
@require_http_methods(["GET", "HEAD"])
def sign_in_set_up_codes(request: HttpRequest) -> HttpResponse:
    """The recovery codes of a passkey just set up during sign-in, shown once."""
    landing = _next_of(request, _me(request)) or reverse("live:home")
    codes = mfa.take_fresh_codes(request)
    if not codes:
        return redirect(landing)
    return _recovery_codes_page(request, codes, landing)


@never_cache
@sign_in_required
@sensitive_post_parameters("code")
@require_http_methods(["GET", "HEAD", "POST"])
def authenticator(request: HttpRequest) -> HttpResponse:
    """My account: set up an authenticator app (GET shows a new secret; POST confirms it with a code)."""
    me = _me(request)
    if mfa.factors(me).totp:
        messages.info(request, _("You already have an authenticator app."))
        return redirect("live:my_account")
    if request.method != "POST":
        return _authenticator_page(request, me, forms.ConfirmAuthenticatorForm(), "authenticator")
    codes, refused = _confirm(request, me, "authenticator")
    if refused is not None:
        return refused
    assert codes is not None
    messages.success(request, _("Your authenticator app is set up: you will be asked for a code when you sign in."))
    return _recovery_codes_page(request, codes, reverse("live:my_account"))


@never_cache
@sign_in_required
@require_POST
def authenticator_remove(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    if mfa.is_required(me):
        messages.error(request, _("This portal requires a second factor: set up a new app before removing this "
                                  "one, or ask an admin to reset it."))
        return redirect("live:my_account")
    mfa.remove_totp(me)
    messages.success(request, _("Your authenticator app is removed, with its recovery codes."))
    return redirect("live:my_account")


@never_cache
@sign_in_required
@require_POST
def recovery_codes(request: HttpRequest) -> HttpResponse:
    try:
        codes = mfa.new_recovery_codes(_me(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("live:my_account")
    return _recovery_codes_page(request, codes, reverse("live:my_account"))


# --- passkeys: JSON for the theme's js/passkey.js, which calls navigator.credentials ------------

def _json_error(message: str, status: int = 400, wait: int = 0) -> JsonResponse:
    response = JsonResponse({"error": message}, status=status)
    if wait:
        response["Retry-After"] = str(wait)
    return response


def _options(text: str) -> HttpResponse:
    return HttpResponse(text, content_type="application/json")


@never_cache
@require_POST
def sign_in_passkey_options(request: HttpRequest) -> HttpResponse:
    user = mfa.pending_user(request)
    if user is None or mfa.pending_enrolment(request):
        return _json_error(mfa.EXPIRED, 403)
    return _options(passkeys.authentication_options(user, passkeys.site_of(request), request.session))


@never_cache
@require_POST
def sign_in_passkey(request: HttpRequest) -> HttpResponse:
    """The passkey's answer at the second step: throttled and audited as codes are (accounts.mfa)."""
    user = mfa.pending_user(request)
    if user is None or mfa.pending_enrolment(request):
        return _json_error(mfa.EXPIRED, 403)
    try:
        data = passkeys.parse_body(request.body)
    except ValidationError as exc:
        return _json_error(" ".join(exc.messages))
    accepted, wait = mfa.verify_pending_passkey(request, user, passkeys.site_of(request), data.get("credential"))
    if wait:
        return _json_error(throttle.sign_in_locked(wait), 429, wait)
    if not accepted:
        return _json_error(passkeys.REFUSED)
    return JsonResponse({"redirect": _next_of(request, user) or reverse("live:home")})


@never_cache
@sign_in_required
@require_POST
def passkey_options(request: HttpRequest) -> HttpResponse:
    try:
        return _options(passkeys.registration_options(_me(request), passkeys.site_of(request), request.session))
    except ValidationError as exc:
        return _json_error(" ".join(exc.messages))


@never_cache
@sign_in_required
@require_POST
def passkey_add(request: HttpRequest) -> HttpResponse:
    try:
        data = passkeys.parse_body(request.body)
        passkeys.register(_me(request), passkeys.site_of(request), request.session, str(data.get("name") or ""),
                          data.get("credential") or {})
    except ValidationError as exc:
        return _json_error(" ".join(exc.messages))
    messages.success(request, _("Your passkey is added: you can use it when you sign in."))
    return JsonResponse({"redirect": reverse("live:my_account")})


@never_cache
@sign_in_required
@require_POST
def passkey_action(request: HttpRequest, pk: int) -> HttpResponse:
    """Rename (a `name`) or remove (`action=remove`) one of the user's own passkeys."""
    me = _me(request)
    try:
        if request.POST.get("action") == "remove":
            if mfa.is_required(me) and mfa.factors(me).passkeys == 1 and not mfa.factors(me).totp:
                raise ValidationError(_("This portal requires a second factor: add another before removing this one."))
            passkeys.remove(me, pk)
            messages.success(request, _("The passkey is removed."))
        else:
            passkeys.rename(me, pk, str(request.POST.get("name", "")))
            messages.success(request, _("The passkey is renamed."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("live:my_account")
