"""Catalogue URLs, after Tyk's Live Portal (/portal/catalogue-products/<path>/<api>/docs) without its /portal prefix."""

from django.urls import URLPattern, path

from . import views

urlpatterns: list[URLPattern] = [
    path("catalogue-products", views.catalogue, name="catalogue"),
    path("catalogue-products/<slug:slug>", views.product, name="product"),
    path("catalogue-products/<slug:slug>/logo", views.product_logo, name="product_logo"),
    path("catalogue-products/<slug:slug>/preview", views.product_preview, name="product_preview"),
    path("catalogue-products/<slug:slug>/<int:api>/docs", views.api_docs, name="api_docs"),
    path("portal/try-it/callback", views.try_it_callback, name="try_it_callback"),
    path("catalogue-products/<slug:slug>/<int:api>/try-it", views.try_it_proxy, name="try_it_proxy"),
    path("catalogue-products/<slug:slug>/<int:api>/openapi", views.api_document, name="api_document"),
    path("catalogue-products/<slug:slug>/<int:api>/graphql", views.api_graphql, name="api_graphql"),
    path("catalogue-products/<slug:slug>/specs/<int:spec>/docs", views.spec_docs, name="spec_docs"),
    path("catalogue-products/<slug:slug>/specs/<int:spec>/openapi", views.spec_document, name="spec_document"),
    path("catalogue-products/<slug:slug>/specs/<int:spec>/graphql", views.spec_graphql, name="spec_graphql"),
    path("catalogue-products/<slug:slug>/specs/<int:spec>/asyncapi", views.spec_asyncapi, name="spec_asyncapi"),
    path("catalogue-products/<slug:slug>/specs/<int:spec>/asyncapi/document", views.spec_asyncapi_document,
         name="spec_asyncapi_document"),
]
