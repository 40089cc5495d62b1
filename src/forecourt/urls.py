from django.urls import include, path
from django.views.generic import RedirectView

from forecourt.api.views import api

urlpatterns = [
    # /live and /ready are answered by forecourt.ops.middleware.HealthMiddleware.
    path("portal-admin/", include("forecourt.adminportal.urls")),
    path("portal-api/", api.urls),
    path("", RedirectView.as_view(pattern_name="adminportal:dashboard", permanent=False)),
]
