"""Where the time of a themed Live Portal page goes, against a plain Django + Jinja2 page of the
same size (benchmarks/NOTES-render.md has the results and what was done about them).

In a throw-away SQLite database it seeds 60 published products (Markdown content, tags, one API
each) in a public catalogue, then times, in this process, the views themselves (RequestFactory,
anonymous; no middleware, no server, so only the render path is measured):

- floor: one SQLite query of 20 products and a plain (unsandboxed) Jinja2 template of 20 cards;
- the catalogue page (20 cards), a product page, the home page, each through `themes.render`.

    .venv/bin/python benchmarks/profile_render.py            # times, as ratios of the floor
    .venv/bin/python benchmarks/profile_render.py --profile catalogue   # plus cProfile's top functions

Not a test; prints numbers, changes nothing outside its temporary directory.
"""

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
_data = tempfile.mkdtemp(prefix="forecourt-profile-")
os.environ["PORTAL_DATADIR"] = _data
os.environ.setdefault("PORTAL_LOG_LEVEL", "warn")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forecourt.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import AnonymousUser  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from jinja2 import Environment  # noqa: E402

PRODUCTS = 60
CONTENT = """## Getting going

Call **{name}** with your key in the `Authorization` header.

| Plan | Rate |
|---|---|
| Free | 10/min |
| Pro | 1000/min |

```sh
curl -H 'Authorization: KEY' https://gw.example.com/{slug}/
```
"""

FLOOR_TEMPLATE = """<!doctype html><html><head><title>Catalogue</title></head><body>
<nav>{% for item in menu %}<a href="{{ item.url }}">{{ item.label }}</a>{% endfor %}</nav>
<main><h1>Catalogue</h1>
{% for p in products %}<article class="product-card" id="product-{{ p.slug }}">
<h2><a href="/catalogue-products/{{ p.slug }}">{{ p.display_name }}</a></h2>
<p>{{ p.description }}</p>{% for tag in p.tags %}<span class="tag">{{ tag }}</span>{% endfor %}
</article>{% endfor %}</main></body></html>"""


def seed() -> None:
    from forecourt.catalog.models import Catalogue, Product, ProductAPI

    call_command("migrate", verbosity=0)
    public = Catalogue.objects.create(name="Public", visibility=Catalogue.Visibility.PUBLIC)
    for i in range(PRODUCTS):
        product = Product.objects.create(
            name=f"p{i}", display_name=f"Product {i:03}", slug=f"product-{i}", published=True,
            description=f"Product {i} does useful things for developers, quickly and reliably.",
            content=CONTENT.format(name=f"Product {i}", slug=f"product-{i}"), tags=["payments", f"tag{i % 7}"])
        public.products.add(product)
        ProductAPI.objects.create(product=product, name=f"API {i}", listen_path=f"/p{i}/", auth_type="authToken")


def floor_view() -> Any:
    from forecourt.catalog.models import Product

    env = Environment(autoescape=True)
    template = env.from_string(FLOOR_TEMPLATE)
    menu = [{"url": "/", "label": "Home"}, {"url": "/catalogue-products", "label": "Catalogue"}]

    def view(request: Any) -> HttpResponse:
        products = list(Product.objects.filter(published=True).order_by("display_name")
                        .values("slug", "display_name", "description", "tags")[:20])
        return HttpResponse(template.render(products=products, menu=menu))

    return view


def pages() -> dict[str, tuple[Any, str, dict[str, Any]]]:
    from forecourt.live.catalogue import views as catalogue
    from forecourt.themes import views as theme_views

    return {
        "floor": (floor_view(), "/catalogue-products", {}),
        "catalogue": (catalogue.catalogue, "/catalogue-products?page=2", {}),
        "product": (catalogue.product, "/catalogue-products/product-7", {"slug": "product-7"}),
        "home": (theme_views.home, "/", {}),
    }


def timed(view: Any, path: str, kwargs: dict[str, Any], count: int) -> float:
    factory = RequestFactory()
    best = float("inf")
    for _round in range(3):
        started = time.process_time()  # CPU time: other processes on a shared machine do not count
        for _ in range(count):
            request = factory.get(path)
            request.user = AnonymousUser()
            response = view(request, **kwargs)
            assert response.status_code == 200, (path, response.status_code)
        best = min(best, (time.process_time() - started) / count)
    return best * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=200, help="renders per round (3 rounds, best kept)")
    parser.add_argument("--profile", choices=["catalogue", "product", "home"], help="cProfile this page")
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    seed()
    found = pages()
    results = {}
    for name, (view, path, kwargs) in found.items():
        timed(view, path, kwargs, 20)  # warm-up: compiled templates, caches
        results[name] = timed(view, path, kwargs, args.count)
    floor = results["floor"]
    print(f"{'page':<10} {'CPU ms/page':>11} {'x floor':>8}")
    for name, ms in results.items():
        print(f"{name:<10} {ms:11.2f} {ms / floor:8.1f}")
    if args.profile:
        view, path, kwargs = found[args.profile]
        profiler = cProfile.Profile()
        profiler.enable()
        timed(view, path, kwargs, args.count)
        profiler.disable()
        stats = pstats.Stats(profiler).strip_dirs()
        stats.sort_stats("cumulative").print_stats(args.top)
        stats.sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
