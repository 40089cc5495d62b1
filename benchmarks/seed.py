"""Data for the benchmark: `seed.py PRODUCTS` in the benchmark's own data directory (never the operator's).

- an admin (bootstrap; its Admin API token goes to DATADIR/bench-api-token) and 500 consumers,
  for the Admin Portal's lists and the Admin API;
- a consumer who signs in to the Live Portal (dataset.CONSUMER_EMAIL / CONSUMER_PASSWORD);
- PRODUCTS published products in one public catalogue with three plans, each product with two
  tags, a description and one API (auth types vary), so catalogue cards are realistic; plus one
  more product, "Big API", whose API (API ID dataset.BIG_API_ID) gets the 1,000-operation document: run.py
  uploads it through the Admin API once the server is up, so it takes the real upload path.

Rows go in with bulk inserts (10,000 products in a few seconds), which send no signals: what the
portal derives from a product when it is saved (the catalogue's search index) is then built once
with its rebuild, as `forecourt search-index rebuild` does.
"""

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forecourt.settings")

import django

django.setup()

sys.path.insert(0, str(Path(__file__).resolve().parent))

import dataset as d  # noqa: E402
from django.db import transaction  # noqa: E402

from forecourt.accounts import services  # noqa: E402
from forecourt.accounts.models import Role, User  # noqa: E402
from forecourt.catalog import search  # noqa: E402
from forecourt.catalog.models import Catalogue, Plan, Product, ProductAPI  # noqa: E402

BATCH = 1000


def product(i: int) -> Product:
    word = d.WORDS[i % len(d.WORDS)]
    return Product(
        name=f"bench-{i}", display_name=f"{word.title()} product {i:05d}", slug=f"product-{i}", published=True,
        description=f"Product {i} brings {word} data to your apps: one API, three plans, a sandbox.",
        content=f"# Product {i}\n\nWhat it does, how to start, and what it costs.",
        tags=[d.TAGS[i % len(d.TAGS)], d.OTHER_TAGS[i // len(d.TAGS) % len(d.OTHER_TAGS)]])


def api(i: int, product_id: int) -> ProductAPI:
    return ProductAPI(product_id=product_id, api_id=f"api-{i}", name=f"{d.WORDS[i % len(d.WORDS)].title()} API {i}",
                      listen_path=f"/product-{i}/", auth_type=d.AUTH_TYPES[i % len(d.AUTH_TYPES)])


@transaction.atomic
def seed(products: int, data_dir: Path) -> None:
    result = services.bootstrap(d.ADMIN_EMAIL, d.ADMIN_PASSWORD, "Bench", "Admin")
    # The Admin API token, for the benchmark's API pages (the data directory is the benchmark's own).
    (data_dir / d.TOKEN_FILE).write_text(result.api_token)
    organisation, team = services.ensure_default_organisation()
    users = User.objects.bulk_create(
        (User(email=f"consumer{i}@example.com", organisation=organisation, role=Role.CONSUMER_TEAM_MEMBER,
              first_name=f"Consumer {i}") for i in range(d.CONSUMERS)), batch_size=BATCH)
    consumer = User(email=d.CONSUMER_EMAIL, organisation=organisation, role=Role.CONSUMER_TEAM_MEMBER,
                    first_name="Bench", last_name="Consumer")
    consumer.set_password(d.CONSUMER_PASSWORD)
    consumer.save()
    users.append(consumer)
    User.teams.through.objects.bulk_create((User.teams.through(user_id=u.pk, team_id=team.pk) for u in users),
                                           batch_size=BATCH)

    rows = Product.objects.bulk_create((product(i) for i in range(products)), batch_size=BATCH)
    big = Product.objects.create(name="bench-big", display_name="Big API", slug=d.BIG_PRODUCT_SLUG, published=True,
                                 description="One API with a thousand operations.", tags=["big"])
    ProductAPI.objects.bulk_create([*(api(i, p.pk) for i, p in enumerate(rows)),
                                    ProductAPI(product_id=big.pk, api_id=d.BIG_API_ID, name="Big API",
                                               listen_path="/big/", auth_type="authToken")], batch_size=BATCH)
    plans = [Plan.objects.create(name=f"bench-{name}", display_name=f"{name.title()} plan", rate_limit=rate,
                                 quota_unlimited=quota == 0, quota_max=quota)
             for name, rate, quota in (("free", 10, 1000), ("team", 100, 100_000), ("unlimited", 1000, 0))]
    catalogue = Catalogue.objects.create(name="Public", visibility=Catalogue.Visibility.PUBLIC)
    catalogue.plans.set(plans)
    Catalogue.products.through.objects.bulk_create(
        (Catalogue.products.through(catalogue_id=catalogue.pk, product_id=p.pk) for p in [*rows, big]),
        batch_size=BATCH)
    big_api = ProductAPI.objects.get(product=big, api_id=d.BIG_API_ID)
    search.rebuild()
    (data_dir / d.SEED_FILE).write_text(json.dumps({"products": products, "big_product_id": big.pk,
                                                  "big_api_pk": big_api.pk}))


if __name__ == "__main__":
    if not services.is_bootstrapped():
        seed(int(sys.argv[1]) if len(sys.argv) > 1 else 1000, Path(os.environ["PORTAL_DATADIR"]))
