"""Live Portal URLs of the themes engine, in the `live` namespace templates link into with url()."""

from django.urls import path, re_path

from . import views

app_name = "live"

urlpatterns = [
    path("", views.home, name="home"),
    re_path(r"^assets/(?P<path>.+)$", views.asset, name="asset"),
]
