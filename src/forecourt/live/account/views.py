"""Live Portal account pages: thin views over accounts (signup, invitations, org_requests, services).

Every page is rendered by the active theme with plain data (forms through forms.form_data).
Sign-in shares Django's session with the Admin Portal: an admin signed in here is signed in
there too, and a consumer who reaches an Admin Portal page is signed out by it.
"""

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import authenticate, logout, update_session_auth_hash
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from forecourt import themes
from forecourt.accounts import attributes, invitations, mfa, org_requests, passkeys, signup, throttle
from forecourt.accounts.models import Invitation, OrganisationRequest, Role, Team, User
from forecourt.i18n import negotiation
from forecourt.live.signin import sign_in_required
from forecourt.notify import links
from forecourt.sso import buttons, password_policy
from forecourt.sso import linked as sso_linked

from . import forms
from .views_token import token_data

RESET_SESSION_KEY = "forecourt.live.reset_token"
RESET_URL_TOKEN = "set-password"  # noqa: S105 - a URL segment, not a secret
SIGN_IN_FAILED = gettext_lazy("Enter the e-mail address and password of an active account.")
RESET_SENT = gettext_lazy("If an active account uses that address, we have sent it a link to choose a new password. "
                          "The link works once.")
_ADMIN_PREFIXES = ("/portal-admin/", "/portal-api/")


def _page(title: str, **extra: Any) -> dict[str, Any]:
    return {"title": title, **extra}


def safe_next(request: HttpRequest, user: Any = None) -> str:
    """The `next` the request carries if it is a path on this portal, else "". Consumers are
    never sent into the Admin Portal or API (which would only sign them out)."""
    candidate = (request.POST.get("next") or request.GET.get("next") or "").strip()
    if not candidate or not candidate.startswith("/") or len(candidate) > 2000:
        return ""
    if not url_has_allowed_host_and_scheme(candidate, allowed_hosts=set(), require_https=False):
        return ""
    if candidate.startswith(_ADMIN_PREFIXES) and not getattr(user, "is_admin", False):
        return ""
    return candidate


def _me(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


# --- sign in and out ------------------------------------------------------------------------

@never_cache
@sensitive_post_parameters("password")
@require_http_methods(["GET", "HEAD", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        if request.user.is_authenticated:
            return redirect(safe_next(request, request.user) or "live:home")
        return _sign_in_page(request, forms.SignInForm())
    form = forms.SignInForm(request.POST)
    if not form.is_valid():
        return _sign_in_page(request, form, status=400)
    address = form.cleaned_data["email"]
    attempt = throttle.SignIn.of(request, address)
    wait = attempt.begin()  # counted before the password is checked: concurrent guesses cannot slip past
    if wait:
        return _locked(request, form, wait)
    # Inactive accounts do not authenticate (ModelBackend): they are told why below, but only
    # after their right password.
    try:
        user = authenticate(request, username=address, password=form.cleaned_data["password"])
    except BaseException:
        attempt.failed()  # whatever went wrong, the password may have been checked
        raise
    if user is None:
        # The right password of an account that cannot sign in (yet) is told why; anything else
        # gets the one answer that says nothing about the address (signup.inactive_account_notice).
        notice = signup.inactive_account_notice(address, form.cleaned_data["password"])
        if notice:
            attempt.succeeded()  # the password was right: no guess to count
            form.add_error(None, notice)
            return _sign_in_page(request, form, status=403)
        wait = attempt.failed()
        if wait:
            return _locked(request, form, wait)
        form.add_error(None, SIGN_IN_FAILED)
        return _sign_in_page(request, form, status=400)
    attempt.succeeded()
    return _after_password(request, form, user)


def _after_password(request: HttpRequest, form: forms.SignInForm, user: User) -> HttpResponse:
    """The password is right: signed in now, or a second step first (accounts.mfa), which keeps `next`;
    or refused after all, for an admin whom the settings send through single sign-on (sso.password_policy:
    admins sign in here too, so the rule holds on both portals)."""
    refused = password_policy.refusal(user)
    if refused:
        form.add_error(None, refused)
        return _sign_in_page(request, form, status=403)
    step = mfa.after_first_factor(request, user)
    if step != "signed-in":
        target = reverse("live:sign_in_code" if step == "verify" else "live:sign_in_set_up")
        after = safe_next(request, user)
        return redirect(target + ("?" + urlencode({"next": after}) if after else ""))
    return redirect(safe_next(request, user) or "live:home")


def _locked(request: HttpRequest, form: forms.SignInForm, wait: int) -> HttpResponse:
    form.add_error(None, throttle.sign_in_locked(wait))
    response = _sign_in_page(request, form, status=429)
    response["Retry-After"] = str(wait)
    return response


def _sign_in_page(request: HttpRequest, form: forms.SignInForm, status: int = 200) -> HttpResponse:
    after = safe_next(request)
    return themes.render(request, "views/sign_in.html", {
        "page": _page(_("Sign in")), "form": forms.form_data(form), "next": after,
        "sso": [{"name": b.name, "key": b.key, "url": b.url}
                for b in buttons.for_sign_in_page(for_admins=False, after=after)],
    }, status=status)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def sign_out(request: HttpRequest) -> HttpResponse:
    """GET asks (a link or a prefetch never signs anyone out); POST, with its CSRF token, signs out."""
    if request.method == "POST":
        logout(request)
        messages.success(request, _("You are signed out."))
        return redirect("live:home")
    if not request.user.is_authenticated:
        return redirect("live:home")
    return themes.render(request, "views/sign_out.html", {"page": _page(_("Sign out"))})


# --- sign up and activation -----------------------------------------------------------------

@never_cache
@sensitive_post_parameters("password", "password_again")
@require_http_methods(["GET", "HEAD", "POST"])
def sign_up(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("live:my_account")
    if request.method != "POST":
        form = forms.SignUpForm(initial={"invite_code": request.GET.get("invite_code", "")[:64]})
        return _sign_up_page(request, form)
    client = throttle.client_address(request)
    # A sign-up takes its place in the client's count before anything is checked (given back if it
    # fails), and an invite code its places in the wrong-code counts before it is looked up.
    sign_up_attempt = throttle.Attempt((throttle.SIGN_UP_CLIENT, client))
    wait = sign_up_attempt.begin()
    if wait:
        return _too_many(request, _("Too many sign-ups from your network. Wait %(time)s and try again.")
                         % {"time": throttle.minutes(wait)}, wait)
    code = str(request.POST.get("invite_code", "")).strip()
    guess = throttle.InviteCodeGuess(code, client) if code else None
    if guess is not None:
        wait = guess.begin()
        if wait:
            sign_up_attempt.release()
            return _too_many(request, throttle.invite_codes_locked(wait), wait)
    form = forms.SignUpForm(request.POST)
    try:
        valid = form.is_valid()  # looks the invite code up
    except BaseException:
        sign_up_attempt.release()
        if guess is not None:
            guess.keep()
        raise
    wait = 0
    if guess is not None:
        if form.has_error("invite_code", forms.UNUSABLE_CODE):
            wait = guess.keep()  # a wrong code stays counted
        else:
            guess.release()  # usable, or refused before it was looked up
    if not valid:
        sign_up_attempt.release()
        if wait:
            form.add_error(None, throttle.invite_codes_locked(wait))
            return _sign_up_page(request, form, status=429, retry_after=wait)
        return _sign_up_page(request, form, status=400)
    data = form.cleaned_data
    details = signup.SignUp(data["email"], data["first_name"].strip(), data["last_name"].strip(),
                              data["password"], data["invite_code"], attributes=form.attribute_values(),
                              language=negotiation.asked_for(request))
    try:
        step = signup.sign_up(details, links.base_url(request))
    except ValidationError as exc:
        sign_up_attempt.release()
        for field, errors in exc.message_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
        return _sign_up_page(request, form, status=400)
    sign_up_attempt.keep()
    return redirect(reverse("live:sign_up_done") + "?" + urlencode({"step": step}))


def _too_many(request: HttpRequest, message: str, wait: int) -> HttpResponse:
    """429 with the details entered so far, unchecked: a refused sign-up checks nothing (its
    invite code included), so the form is shown again unbound, with the message."""
    form = forms.SignUpForm(initial={name: str(request.POST.get(name, ""))[:254]
                                     for name in ("email", "first_name", "last_name", "invite_code")})
    return _sign_up_page(request, form, status=429, retry_after=wait, error=message)


def _sign_up_page(request: HttpRequest, form: forms.SignUpForm, status: int = 200,
                  retry_after: int = 0, error: str = "") -> HttpResponse:
    data = forms.form_data(form)
    if error:
        data["errors"].append(error)
    response = themes.render(request, "views/sign_up.html", {
        "page": _page(_("Sign up")), "form": data, "approval": signup.next_step(""),
    }, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def sign_up_done(request: HttpRequest) -> HttpResponse:
    step = request.GET.get("step")
    return themes.render(request, "views/sign_up_done.html", {
        "page": _page(_("Check your e-mail")), "step": step if step in ("confirm", "review") else "review",
    })


def _link_invalid(request: HttpRequest, title: str, message: str) -> HttpResponse:
    return themes.render(request, "views/account_link_invalid.html", {
        "page": _page(title), "link": {"title": title, "message": message},
    }, status=400)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def activate(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """GET shows a button (mail scanners that open links activate nothing); POST activates the
    account and signs its owner in, which spends the link."""
    user = signup.user_for_link(uidb64, token, signup.activation_tokens)
    if user is None or user.is_active:
        return _link_invalid(request, _("This link cannot be used"),
                             _("The link has expired or has been used already. If your account is not active "
                               "yet, contact the portal's administrators."))
    if request.method == "POST":
        signup.activate(user)
        logout(request)
        messages.success(request, _("Your e-mail address is confirmed and your account is active. Welcome!"))
        if mfa.after_first_factor(request, user) == "enrol":  # the settings require a second factor
            return redirect("live:sign_in_set_up")
        return redirect("live:my_account")
    return themes.render(request, "views/account_activate.html", {
        "page": _page(_("Activate your account")), "account": {"email": user.email, "name": user.get_full_name()},
    })


# --- forgotten password ---------------------------------------------------------------------

@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def password_forgotten(request: HttpRequest) -> HttpResponse:
    form = forms.ForgottenPasswordForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        signup.request_password_reset(form.cleaned_data["email"], throttle.client_address(request),
                                        links.base_url(request))
        messages.success(request, RESET_SENT)
        return redirect("live:password_forgotten")
    return themes.render(request, "views/password_forgotten.html", {
        "page": _page(_("Forgotten your password?")), "form": forms.form_data(form),
    }, status=400 if request.method == "POST" else 200)


@never_cache
@sensitive_post_parameters("password", "password_again")
@require_http_methods(["GET", "HEAD", "POST"])
def password_reset(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """The e-mailed link. Its token moves into the session and the browser to a URL without it,
    so the token is not left in the address bar, history or a Referer."""
    if token != RESET_URL_TOKEN:
        user = signup.user_for_link(uidb64, token, default_token_generator)
        if user is None or not user.is_active:
            return _reset_invalid(request)
        request.session[RESET_SESSION_KEY] = token
        return HttpResponseRedirect(reverse("live:password_reset", kwargs={"uidb64": uidb64, "token": RESET_URL_TOKEN}))
    session_token = request.session.get(RESET_SESSION_KEY, "")
    user = signup.user_for_link(uidb64, session_token, default_token_generator)
    if user is None or not user.is_active:
        return _reset_invalid(request)
    form = forms.SetPasswordForm(user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        user.set_password(form.cleaned_data["password"])  # hashed outside any transaction
        user.save(update_fields=["password"])
        del request.session[RESET_SESSION_KEY]
        throttle.clear(throttle.SIGN_IN_ACCOUNT, user.email)
        messages.success(request, _("Your new password is set. Sign in with it."))
        return redirect("live:sign_in")
    return themes.render(request, "views/password_reset.html", {
        "page": _page(_("Choose a new password")), "form": forms.form_data(form), "account": {"email": user.email},
    }, status=400 if request.method == "POST" else 200)


def _reset_invalid(request: HttpRequest) -> HttpResponse:
    return _link_invalid(request, _("This link cannot be used"),
                         _("Password links work once and for a limited time. Ask for a new one on the "
                           "“Forgotten your password?” page."))


# --- invitations ----------------------------------------------------------------------------

@never_cache
@sensitive_post_parameters("password", "password_again")
@require_http_methods(["GET", "HEAD", "POST"])
def accept_invite(request: HttpRequest, token: str) -> HttpResponse:
    invitation = invitations.invitation_for(token)
    if invitation is None:
        return _link_invalid(request, _("This invitation cannot be used"),
                             _("It has expired, has been used or withdrawn. Ask your organisation's admin "
                               "for a new one."))
    invitation_data = {"email": invitation.email, "organisation": invitation.organisation.name,
                       "team": invitation.team.name,
                       "inviter": invitation.invited_by.get_full_name() if invitation.invited_by else "",
                       "role": str(invitation.get_role_display())}
    # The invitee proved they read this mailbox: they may learn that the address has an account.
    if invitations.address_taken(invitation.email):
        return themes.render(request, "views/account_invite.html", {
            "page": _page(_("You already have an account")), "invitation": invitation_data, "account_exists": True,
            "form": None,
        })
    form = forms.AcceptInviteForm(invitation, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            user = invitations.accept_invitation(invitation, form.cleaned_data["first_name"].strip(),
                                              form.cleaned_data["last_name"].strip(), form.cleaned_data["password"],
                                              form.attribute_values(), language=negotiation.asked_for(request))
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            logout(request)
            messages.success(request, _("Welcome to %(organisation)s!")
                             % {"organisation": invitation.organisation.name})
            if mfa.after_first_factor(request, user) == "enrol":  # the settings require a second factor
                return redirect("live:sign_in_set_up")
            return redirect("live:my_organisation")
    return themes.render(request, "views/account_invite.html", {
        "page": _page(_("Join %(organisation)s") % {"organisation": invitation.organisation.name}),
        "invitation": invitation_data,
        "account_exists": False, "form": forms.form_data(form),
    }, status=400 if request.method == "POST" else 200)


# --- my account -----------------------------------------------------------------------------

@never_cache
@sign_in_required
@sensitive_post_parameters("current_password", "password", "password_again")
@require_http_methods(["GET", "HEAD", "POST"])
def my_account(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    profile = forms.ProfileForm(instance=me)
    password = forms.ChangePasswordForm(me)
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "profile":
            profile = forms.ProfileForm(request.POST, instance=me)
            if profile.is_valid():
                with transaction.atomic():
                    profile.save()
                messages.success(request, _("Your details are saved."))
                return redirect("live:my_account")
        elif action == "password":
            password = forms.ChangePasswordForm(me, request.POST)
            if password.is_valid():
                me.set_password(password.cleaned_data["password"])
                me.save(update_fields=["password"])
                update_session_auth_hash(request, me)  # this session stays; the others end
                messages.success(request, _("Your password is changed."))
                return redirect("live:my_account")
        else:
            messages.error(request, _("Unknown action."))
            return redirect("live:my_account")
        status = 400
    return themes.render(request, "views/account_profile.html", {
        "page": _page(_("My account")),
        "account": {"email": me.email, "role": str(me.get_role_display()), "joined": me.date_joined.date()},
        "attributes": attributes.shown_to_owner(me),
        "profile_form": forms.form_data(profile), "password_form": forms.form_data(password),
        "security": _security(me), "sign_in_methods": _sign_in_methods(me), "api_token": token_data(me),
    }, status=status)


def _sign_in_methods(me: User) -> list[dict[str, Any]]:
    """My account's single sign-on section: each consumers' profile, linked or not (plain data)."""
    return [{"name": m.profile.name, "linked": m.identity is not None,
             "linked_on": m.linked_at.date() if m.linked_at else None,
             "link_url": m.profile.login_path() + "?link=1" if m.identity is None and m.profile.enabled else "",
             "unlink_url": reverse("live:sso_unlink", kwargs={"pk": m.identity.pk}) if m.identity else ""}
            for m in sso_linked.sign_in_methods(me)]


def _security(me: User) -> dict[str, Any]:
    """My account's security section: the second factors the user has (never a secret)."""
    factors = mfa.factors(me)
    return {"authenticator": factors.totp, "recovery_codes_left": factors.recovery_codes_left,
            "required": mfa.is_required(me), "passkeys": passkeys.listed(me)}


# --- my organisation ------------------------------------------------------------------------

def _person(user: User) -> dict[str, Any]:
    return {"id": user.pk, "name": user.get_full_name(), "email": user.email, "role": str(user.get_role_display()),
            "is_admin": user.role == Role.CONSUMER_ADMIN, "active": user.is_active}


def _organisation_page(request: HttpRequest, invite_form: forms.InviteForm | None = None,
                       request_form: forms.OrganisationRequestForm | None = None, status: int = 200) -> HttpResponse:
    me = _me(request)
    organisation = me.organisation
    manage = invitations.can_manage_organisation(me)
    data: dict[str, Any] = {"page": _page(_("My organisation")), "organisation": None, "teams": [], "members": [],
                            "can_manage": manage, "invitations": [], "invite_form": None,
                            "organisation_request": None, "request_form": None}
    if organisation is not None:
        data["organisation"] = {"id": organisation.pk, "name": organisation.name,
                                "is_default": bool(organisation.is_default)}
    if organisation is not None and not organisation.is_default:
        # Everyone sees the organisation's teams and people; the Default Organisation, which holds
        # every self-registered developer, lists nobody.
        teams = (Team.objects.filter(organisation=organisation).order_by("-is_default", "name")
                 .prefetch_related(Prefetch("members", queryset=User.objects.filter(organisation=organisation)
                                            .order_by("first_name", "last_name", "email"))))
        data["teams"] = [{"id": t.pk, "name": t.name, "is_default": bool(t.is_default),
                          "members": [_person(u) for u in t.members.all()]} for t in teams]
        data["members"] = [_person(u) for u in User.objects.filter(organisation=organisation)
                           .order_by("first_name", "last_name", "email")]
    if manage:
        assert organisation is not None
        pending = (Invitation.objects.filter(organisation=organisation, accepted_at__isnull=True)
                   .select_related("team", "invited_by"))
        data["invitations"] = [{"id": i.pk, "email": i.email, "name": f"{i.first_name} {i.last_name}".strip(),
                                "team": i.team.name, "role": str(i.get_role_display()), "expires_at": i.expires_at,
                                "expires_on": i.expires_at.date(),
                                "expired": not i.is_pending,
                                "invited_by": i.invited_by.get_full_name() if i.invited_by else ""}
                               for i in pending]
        data["invite_form"] = forms.form_data(invite_form or forms.InviteForm(organisation.pk))
    latest = OrganisationRequest.objects.filter(requester=me).first()
    if latest is not None:
        data["organisation_request"] = {"name": latest.name, "status": latest.status,
                                        "status_label": str(latest.get_status_display()),
                                        "created_at": latest.created_at}
    waiting = latest is not None and latest.status == OrganisationRequest.Status.PENDING
    if org_requests.may_request_organisation(me) and not waiting:
        data["request_form"] = forms.form_data(request_form or forms.OrganisationRequestForm())
    return themes.render(request, "views/account_organisation.html", data, status=status)


@never_cache
@sign_in_required
def my_organisation(request: HttpRequest) -> HttpResponse:
    return _organisation_page(request)


@sign_in_required
@require_POST
def invite(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    if not invitations.can_manage_organisation(me):
        raise Http404("Only an organisation's admins invite people.")
    assert me.organisation_id is not None
    form = forms.InviteForm(me.organisation_id, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            invitations.invite(me, data["email"], data["first_name"].strip(), data["last_name"].strip(), data["role"],
                            data["team"], links.base_url(request))
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("An invitation is on its way to %(email)s.") % {"email": data["email"]})
            return redirect("live:my_organisation")
    return _organisation_page(request, invite_form=form, status=400)


def _own_invitation(request: HttpRequest, pk: int) -> Invitation:
    me = _me(request)
    if not invitations.can_manage_organisation(me):
        raise Http404("Only an organisation's admins manage its invitations.")
    # Another organisation's invitation is "not found", like one that does not exist.
    return get_object_or_404(Invitation.objects.select_related("organisation", "team"), pk=pk,
                             organisation_id=me.organisation_id, accepted_at__isnull=True)


@sign_in_required
@require_POST
def invitation_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    invitation = _own_invitation(request, pk)
    try:
        if action == "resend":
            invitations.resend_invitation(_me(request), invitation, links.base_url(request))
            messages.success(request, _("The invitation to %(email)s is sent again, with a new link.")
                             % {"email": invitation.email})
        elif action == "withdraw":
            invitations.revoke_invitation(_me(request), invitation)
            messages.success(request, _("The invitation to %(email)s is withdrawn.") % {"email": invitation.email})
        else:
            raise Http404("No such action.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("live:my_organisation")


@sign_in_required
@require_POST
def request_organisation(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    if not org_requests.may_request_organisation(me):
        raise Http404("Organisation requests are not open to you.")
    form = forms.OrganisationRequestForm(request.POST)
    if form.is_valid():
        try:
            org_requests.request_organisation(me, form.cleaned_data["name"], links.base_url(request))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("live:my_organisation")
        else:
            messages.success(request, _("Your request is sent. An admin will review it and you will hear by e-mail."))
            return redirect("live:my_organisation")
    return _organisation_page(request, request_form=form, status=400)
