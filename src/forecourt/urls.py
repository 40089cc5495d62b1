from django.urls import include, path

from forecourt.api.views import api
from forecourt.i18n import views as i18n_views
from forecourt.mcp import views as mcp_views

urlpatterns = [
    # /live and /ready are answered by forecourt.ops.middleware.HealthMiddleware.
    path("portal-admin/themes/", include("forecourt.adminportal.urls_themes")),  # before the Admin Portal's <slug>/
    path("portal-admin/", include("forecourt.adminportal.urls")),
    path("portal-api/", api.urls),
    path("mcp", mcp_views.endpoint, name="mcp"),  # the catalogue's MCP server (forecourt.mcp)
    path("i18n/language", i18n_views.choose_language, name="choose_language"),  # both portals' switchers
    path("", include("forecourt.live.urls")),  # the Live Portal: /, /assets/ and the consumer pages
]

# Live Portal error pages use the active theme (Admin Portal and API paths keep Django's own).
handler403 = "forecourt.themes.views.permission_denied"
handler404 = "forecourt.themes.views.page_not_found"
handler500 = "forecourt.themes.views.server_error"
