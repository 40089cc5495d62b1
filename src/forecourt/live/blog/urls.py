"""Blog URLs: /blog, /blog/feed.atom and /blog/<path> (a post's path has no dot, so never the feed's)."""

from django.urls import URLPattern, path

from . import feeds, views

urlpatterns: list[URLPattern] = [
    path("blog", views.index, name="blog"),
    path("blog/feed.atom", feeds.feed, name="blog_feed"),
    path("blog/<slug:path>", views.post, name="blog_post"),
]
