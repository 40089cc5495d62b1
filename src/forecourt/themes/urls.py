"""Live Portal URLs of the themes engine (/ and /assets/), included in forecourt.live.urls (namespace `live`)."""

from django.urls import path, re_path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    re_path(r"^assets/(?P<path>.+)$", views.asset, name="asset"),
]
