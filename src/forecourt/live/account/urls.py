"""Account pages of the Live Portal, at Tyk's paths where Tyk has them (/auth/password/login...)."""

from django.urls import URLPattern, path

from . import views, views_mfa, views_sso, views_token

urlpatterns: list[URLPattern] = [
    path("auth/password/login", views.sign_in, name="sign_in"),
    path("auth/password/login/code", views_mfa.sign_in_code, name="sign_in_code"),
    path("auth/password/login/set-up", views_mfa.sign_in_set_up, name="sign_in_set_up"),
    path("auth/password/login/set-up/passkey/options", views_mfa.sign_in_set_up_passkey_options,
         name="sign_in_set_up_passkey_options"),
    path("auth/password/login/set-up/passkey", views_mfa.sign_in_set_up_passkey, name="sign_in_set_up_passkey"),
    path("auth/password/login/set-up/codes", views_mfa.sign_in_set_up_codes, name="sign_in_set_up_codes"),
    path("auth/password/login/passkey/options", views_mfa.sign_in_passkey_options, name="sign_in_passkey_options"),
    path("auth/password/login/passkey", views_mfa.sign_in_passkey, name="sign_in_passkey"),
    path("auth/password/register", views.sign_up, name="sign_up"),
    path("auth/password/register/done", views.sign_up_done, name="sign_up_done"),
    path("auth/password/new", views.password_forgotten, name="password_forgotten"),
    path("auth/password/reset/<uidb64>/<token>", views.password_reset, name="password_reset"),
    path("auth/activate/<uidb64>/<token>", views.activate, name="activate"),
    path("auth/invite/<str:token>", views.accept_invite, name="accept_invite"),
    path("auth/logout", views.sign_out, name="sign_out"),
    path("my-account", views.my_account, name="my_account"),
    path("my-account/authenticator", views_mfa.authenticator, name="authenticator"),
    path("my-account/authenticator/remove", views_mfa.authenticator_remove, name="authenticator_remove"),
    path("my-account/recovery-codes", views_mfa.recovery_codes, name="recovery_codes"),
    path("my-account/passkeys/options", views_mfa.passkey_options, name="passkey_options"),
    path("my-account/passkeys", views_mfa.passkey_add, name="passkey_add"),
    path("my-account/passkeys/<int:pk>", views_mfa.passkey_action, name="passkey_action"),
    path("my-account/api-token", views_token.api_token, name="api_token"),
    path("my-account/sign-in-methods/<int:pk>/unlink", views_sso.unlink, name="sso_unlink"),
    path("my-organisation", views.my_organisation, name="my_organisation"),
    path("my-organisation/invitations", views.invite, name="invite"),
    path("my-organisation/invitations/<int:pk>/<slug:action>", views.invitation_action, name="invitation_action"),
    path("my-organisation/request", views.request_organisation, name="request_organisation"),
]
