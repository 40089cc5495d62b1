"""/portal-admin/themes/ (the URL names keep their namespace, "themes:"): included by forecourt/urls.py
before the Admin Portal's own URLs, whose <slug>/ would take "themes"."""

from django.urls import path

from . import views_themes as views

app_name = "themes"

urlpatterns = [
    path("", views.theme_list, name="list"),
    path("upload/", views.upload, name="upload"),
    path("preview/exit/", views.preview_exit, name="preview_exit"),
    path("problem/dismiss/", views.dismiss_problem, name="dismiss_problem"),
    path("<str:name>/activate/", views.activate, name="activate"),
    path("<str:name>/preview/", views.preview, name="preview"),
    path("<str:name>/download/", views.download, name="download"),
    path("<str:name>/delete/", views.delete, name="delete"),
    path("<str:name>/upgrade/", views.upgrade, name="upgrade"),
]
