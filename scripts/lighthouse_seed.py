"""For `make lighthouse` (scripts/lighthouse): a small, realistic catalogue in the throw-away data
directory scripts/lighthouse made, and the paths of the pages to measure, as JSON on stdout.

A published product with a logo, a description and page content, an API with an OpenAPI document, a
getting-started document, two plans and a public catalogue: what home, the catalogue, a product page
and an API's documentation show a visitor. Run after `forecourt migrate`, against PORTAL_DATADIR.
"""

import json
import os
import struct
import sys
import zlib

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forecourt.settings")

import django

django.setup()

from django.core.files.base import ContentFile  # noqa: E402
from django.urls import reverse  # noqa: E402

from forecourt.catalog.models import Catalogue, Plan, Product, ProductAPI, ProductDoc  # noqa: E402

OAS = {"openapi": "3.0.3",
       "info": {"title": "Weather", "version": "1.0", "description": "Forecasts and observations, by the minute."},
       "servers": [{"url": "https://gateway.example.com/weather"}],
       "paths": {
           "/forecast": {"get": {"summary": "Today's forecast", "operationId": "forecast",
                                 "parameters": [{"name": "city", "in": "query", "required": True,
                                                 "schema": {"type": "string"}}],
                                 "responses": {"200": {"description": "The forecast"}}}},
           "/observations": {"get": {"summary": "The latest observations", "operationId": "observations",
                                     "responses": {"200": {"description": "Observations"}}}}}}


def png(size: int = 64) -> bytes:
    """A plain square PNG for the logo (no image library needed)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x1f\x4f\xb5" * size for _ in range(size))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def main() -> None:
    words = ["Weather", "Maps", "Payments", "Shipping", "Search", "Translate"]
    for i, word in enumerate(words):
        Product.objects.create(
            name=word.lower(), display_name=f"{word} API", slug=word.lower(), published=True,
            description=f"{word} data for your apps: one API, two plans, a sandbox.",
            content=f"## Getting going\n\nCreate an app, ask for access to the {word} API, then call it.",
            tags=["public", "v1" if i % 2 else "v2"])
    weather = Product.objects.get(slug="weather")
    weather.logo.save("weather.png", ContentFile(png()), save=True)
    api = ProductAPI.objects.create(product=weather, name="Forecasts", api_id="forecasts", listen_path="/weather/",
                                    auth_type="authToken", oas_document=json.dumps(OAS))
    ProductDoc.objects.create(product=weather, title="Getting started",
                              content="1. Create an app.\n2. Request access.\n3. Call `GET /forecast`.")
    Plan.objects.create(name="free", display_name="Free", rate_limit=10, rate_per=60)
    Plan.objects.create(name="gold", display_name="Gold", rate_limit=100, rate_per=60)
    shop = Catalogue.objects.create(name="Public APIs", visibility=Catalogue.Visibility.PUBLIC)
    shop.products.set(Product.objects.all())
    shop.plans.set(Plan.objects.all())
    json.dump({"home": "/", "catalogue": reverse("live:catalogue"),
               "product": reverse("live:product", args=[weather.slug]),
               "docs": reverse("live:api_docs", args=[weather.slug, api.pk])}, sys.stdout)


if __name__ == "__main__":
    main()
