from django.urls import path

from . import admin_views

app_name = "themes"

urlpatterns = [
    path("", admin_views.theme_list, name="list"),
    path("upload/", admin_views.upload, name="upload"),
    path("preview/exit/", admin_views.preview_exit, name="preview_exit"),
    path("problem/dismiss/", admin_views.dismiss_problem, name="dismiss_problem"),
    path("<str:name>/activate/", admin_views.activate, name="activate"),
    path("<str:name>/preview/", admin_views.preview, name="preview"),
    path("<str:name>/download/", admin_views.download, name="download"),
    path("<str:name>/delete/", admin_views.delete, name="delete"),
    path("<str:name>/upgrade/", admin_views.upgrade, name="upgrade"),
]
