"""Search URL: /search?q=words&page=N."""

from django.urls import URLPattern, path

from . import views

urlpatterns: list[URLPattern] = [path("search", views.search, name="search")]
