"""Developer pages: the dashboard, apps, access requests and credentials (all need signing in)."""

from django.urls import URLPattern, path

from . import usage, views

urlpatterns: list[URLPattern] = [
    path("dashboard", views.dashboard, name="dashboard"),
    path("apps", views.app_list, name="apps"),
    path("apps/new", views.app_create, name="app_create"),
    path("apps/request-access", views.request_access, name="request_access"),
    path("apps/<int:pk>", views.app_detail, name="app"),
    path("apps/<int:pk>/usage", usage.app_usage, name="app_usage"),
    path("apps/<int:pk>/usage.csv", usage.app_usage_csv, name="app_usage_csv"),
    path("usage", usage.organisation_usage, name="organisation_usage"),
    path("apps/<int:pk>/edit", views.app_edit, name="app_edit"),
    path("apps/<int:pk>/delete", views.app_delete, name="app_delete"),
    path("apps/<int:pk>/credentials/<int:credential>/reveal", views.credential_reveal, name="credential_reveal"),
    path("apps/<int:pk>/custom-credentials/<int:credential>/reveal", views.custom_credential_reveal,
         name="custom_credential_reveal"),
    path("apps/<int:pk>/credentials/<int:credential>/rotate", views.credential_rotate, name="credential_rotate"),
    path("apps/<int:pk>/credentials/<int:credential>/revoke", views.credential_revoke, name="credential_revoke"),
    path("apps/<int:pk>/access-requests/<int:request_id>/reissue", views.credential_reissue, name="credential_reissue"),
]
