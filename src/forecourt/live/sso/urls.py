"""SSO URLs at Tyk's paths (its embedded identity broker's), so redirect URIs registered at an IdP
for a Tyk portal keep working after the move to Forecourt."""

from django.urls import URLPattern, path

from . import views

urlpatterns: list[URLPattern] = [
    path("tib/auth/<slug:key>/saml/metadata", views.saml_metadata, name="sso_saml_metadata"),
    path("tib/auth/<slug:key>/<slug:provider>", views.start, name="sso_start"),
    path("tib/auth/<slug:key>/<slug:provider>/callback", views.callback, name="sso_callback"),
]
