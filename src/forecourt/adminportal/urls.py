from django.urls import path

from . import views, views_usage
from . import views_dashboard as dashboard
from . import views_mail as emails
from . import views_mfa as mfa
from . import views_webhooks as webhooks
from .views_bulk import bulk_action
from .views_teams import teams_field

app_name = "adminportal"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("sign-in/", views.SignInView.as_view(), name="login"),
    path("sign-in/code/", mfa.sign_in_code, name="sign_in_code"),
    path("sign-in/set-up/", mfa.sign_in_set_up, name="sign_in_set_up"),
    path("sign-in/set-up/codes/", mfa.sign_in_set_up_codes, name="sign_in_set_up_codes"),
    path("profile/authenticator/", mfa.authenticator, name="authenticator"),
    path("profile/authenticator/remove/", mfa.authenticator_remove, name="authenticator_remove"),
    path("profile/recovery-codes/", mfa.recovery_codes, name="recovery_codes"),
    path("sign-out/", views.SignOutView.as_view(), name="logout"),
    path("reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("settings/", views.settings_page, name="settings"),
    path("about/", views.about, name="about"),
    path("usage/", views_usage.usage, name="usage"),
    path("profile/", views.profile, name="profile"),
    path("providers/<int:pk>/sync/", views.provider_sync, name="provider_sync"),
    path("providers/sync-all/", views.providers_sync_all, name="providers_sync_all"),
    path("settings/test-email/", views.send_test_email, name="send_test_email"),
    path("access-requests/<int:pk>/", views.access_request_detail, name="access_request"),
    path("access-requests/<int:pk>/credentials/<int:credential_pk>/<slug:action>/", views.credential_action,
         name="credential_action"),
    path("users/<int:pk>/actions/", views.user_actions, name="user_actions"),
    path("custom-attributes/built-in/", views.default_attributes, name="default_attributes"),
    path("organisation-requests/<int:pk>/", views.organisation_request_detail, name="organisation_request"),
    path("webhooks/new/", webhooks.create, name="webhook_create"),
    path("webhooks/<int:pk>/test/", webhooks.send_test, name="webhook_test"),
    path("webhook-deliveries/<int:pk>/", webhooks.delivery_detail, name="webhook_delivery"),
    path("webhook-deliveries/<int:pk>/replay/", webhooks.replay, name="webhook_replay"),
    path("email-log/<int:pk>/", emails.detail, name="email_log_entry"),
    path("email-log/<int:pk>/resend/", emails.resend, name="email_log_resend"),
    path("users/teams-field/", teams_field, name="user_teams_field"),
    path("<slug:slug>/bulk/", bulk_action, name="resource_bulk"),
    path("<slug:slug>/", views.resource_list, name="resource_list"),
    path("<slug:slug>/new/", views.resource_create, name="resource_create"),
    path("<slug:slug>/<int:pk>/", views.resource_edit, name="resource_edit"),
    path("<slug:slug>/<int:pk>/delete/", views.resource_delete, name="resource_delete"),
]
