"""The page cache (forecourt.pagecache): anonymous Live Portal pages come from the cache, and every
kind of change to what they show is on the next anonymous request; what is never cached; ETag and
304; the CSP nonce of a hit; Redis as the cache, and a Redis that is down; PORTAL_CACHE_URL."""

import dataclasses
import json
import re

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import override_settings

import forecourt
from forecourt.catalog.models import Catalogue, CatalogueAudience, ProductAPI, ProductDoc
from forecourt.configuration import ConfigError, load
from forecourt.content.models import ContentBlock, MenuItem, Page
from forecourt.pagecache import backends, revision, store
from forecourt.pagecache.middleware import HIT_HEADER
from forecourt.portalconfig.models import PortalSettings
from forecourt.themes import storage

from . import factories
from . import themes_support as ts
from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

OAS = json.dumps({"openapi": "3.0.3", "info": {"title": "Pets", "version": "1.0"},
                  "paths": {"/pets": {"get": {"summary": "List pets", "responses": {"200": {"description": "ok"}}}}}})


def hit(client, path: str, **headers):
    """GET `path` anonymously twice; the second answer must be the cache's. Returns its text."""
    first = client.get(path, headers=headers)
    assert first.status_code == 200, first.content[:300]
    second = client.get(path, headers=headers)
    assert second.status_code == 200 and second.headers.get(HIT_HEADER) == "hit", dict(second.headers)
    assert second.content.replace(nonce(second).encode(), b"") == first.content.replace(nonce(first).encode(), b"")
    return second.content.decode()


def nonce(response) -> str:
    found = re.search(r"'nonce-([^']+)'", response.get("Content-Security-Policy", ""))
    return found.group(1) if found else "\0none\0"


def fresh(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.content[:300]
    assert response.headers.get(HIT_HEADER) != "hit"
    return response.content.decode()


@pytest.fixture
def shop(db):
    provider = factories.provider()
    provider.gateway_url = "https://gw-one.example.com"
    provider.save()
    item = factories.product(display_name="Weather", slug="weather", published=True, provider=provider,
                             description="Forecasts")
    api = ProductAPI.objects.create(product=item, api_id="a1", name="Weather API", listen_path="/weather/",
                                    oas_document=OAS)
    catalogue = factories.catalogue(products=[item])
    return {"provider": provider, "product": item, "api": api, "catalogue": catalogue}


# Every kind of change is on the next anonymous request


def test_a_product_change_shows_on_the_catalogue_and_product_pages(client, shop):
    assert "Weather" in hit(client, "/catalogue-products")
    assert "Forecasts" in hit(client, "/catalogue-products/weather")
    shop["product"].display_name, shop["product"].description = "Climate", "Storms ahead"
    shop["product"].save()
    assert "Climate" in fresh(client, "/catalogue-products")
    assert "Storms ahead" in fresh(client, "/catalogue-products/weather")


def test_unpublishing_or_deleting_a_product_takes_it_off_at_once(client, shop):
    hit(client, "/catalogue-products/weather")
    shop["product"].published = False
    shop["product"].save()
    assert client.get("/catalogue-products/weather").status_code == 404
    shop["product"].published = True
    shop["product"].save()
    hit(client, "/catalogue-products/weather")
    shop["product"].delete()
    assert client.get("/catalogue-products/weather").status_code == 404


def test_catalogue_membership_and_visibility(client, shop):
    other = factories.product(display_name="Tides", slug="tides", published=True)
    assert "Tides" not in hit(client, "/catalogue-products")
    shop["catalogue"].products.add(other)  # m2m
    assert "Tides" in hit(client, "/catalogue-products")
    shop["catalogue"].products.remove(other)
    assert "Tides" not in hit(client, "/catalogue-products")
    shop["catalogue"].visibility = Catalogue.Visibility.PRIVATE
    shop["catalogue"].save()
    assert "Weather" not in fresh(client, "/catalogue-products")


def test_a_catalogue_audience_change_bumps_the_revision(shop):
    before = revision.current()
    CatalogueAudience.objects.create(catalogue=shop["catalogue"], organisation=factories.organisation())
    assert revision.current() != before
    from forecourt.catalog.services import set_audiences

    before = revision.current()
    set_audiences(shop["catalogue"], [f"org:{factories.organisation().pk}"])  # bulk_create
    assert revision.current() != before


def test_an_api_its_document_and_the_gateway_url(client, shop):
    docs = f"/catalogue-products/weather/{shop['api'].pk}/docs"
    document = f"/catalogue-products/weather/{shop['api'].pk}/openapi"
    assert "Weather API" in hit(client, "/catalogue-products/weather")
    assert "gw-one.example.com" in hit(client, docs)
    assert "gw-one.example.com" in fresh(client, document)  # its own ETag, made once per change: no page cache
    shop["api"].name = "Rain API"
    shop["api"].oas_document = OAS.replace("List pets", "List clouds")
    shop["api"].save()
    assert "Rain API" in fresh(client, "/catalogue-products/weather")
    assert "List clouds" in fresh(client, document)
    shop["provider"].gateway_url = "https://gw-two.example.com"
    shop["provider"].save()
    assert "gw-two.example.com" in fresh(client, docs)
    assert "gw-two.example.com" in fresh(client, document)


def test_a_sync_that_adds_apis_or_hides_products(client, shop):
    from forecourt.providers import sync

    hit(client, "/catalogue-products/weather")
    sync.update_apis(shop["product"], [("a1", "Weather API", "/weather/", "authToken", ""),
                                       ("a2", "Snow API", "/snow/", "authToken", "")])  # bulk_create
    assert "Snow API" in fresh(client, "/catalogue-products/weather")
    hit(client, "/catalogue-products")
    from forecourt.catalog.models import Product

    before = revision.current()
    with transaction.atomic():
        Product.objects.filter(pk=shop["product"].pk).update(hidden_by_sync=True)
        revision.bump()  # as sync._apply_products does
    assert revision.current() != before


def test_product_docs_and_plans(client, shop):
    hit(client, "/catalogue-products/weather")
    ProductDoc.objects.create(product=shop["product"], title="Getting started with rain", content="Hello")
    assert "Getting started with rain" in fresh(client, "/catalogue-products/weather")
    plan = factories.plan(display_name="Gold plan")
    hit(client, "/catalogue-products/weather")
    shop["catalogue"].plans.add(plan)
    assert "Gold plan" in fresh(client, "/catalogue-products/weather")
    plan.display_name = "Platinum plan"
    plan.save()
    assert "Platinum plan" in fresh(client, "/catalogue-products/weather")


def test_pages_blocks_and_menus(client, db):
    page = Page.objects.create(path="/about-us", title="About us", status=Page.Status.PUBLISHED)
    block = ContentBlock.objects.create(page=page, name="Body", content="First words")
    assert "First words" in hit(client, "/about-us")
    block.content = "Second words"
    block.save()
    assert "Second words" in hit(client, "/about-us")
    page.status = Page.Status.DRAFT
    page.save()
    assert client.get("/about-us").status_code == 404
    assert "Harbour map" not in hit(client, "/")
    MenuItem.objects.create(label="Harbour map", url="/map", position=5)
    assert "Harbour map" in hit(client, "/")


def test_activating_or_replacing_a_theme(client, db):
    hit(client, "/")
    ts.store(**{"views__home_DOT_html": "<p>acme home one</p>"})
    storage.activate("acme", None)
    assert "acme home one" in hit(client, "/")
    ts.store(**{"views__home_DOT_html": "<p>acme home two</p>"})  # the same theme uploaded again
    assert "acme home two" in fresh(client, "/")
    storage.activate("default", None)
    assert "acme home" not in fresh(client, "/")


def test_general_settings_bump_the_revision(db):
    before = revision.current()
    settings_row = PortalSettings.load() if hasattr(PortalSettings, "load") else PortalSettings.objects.create()
    settings_row.auto_approve_registrations = not settings_row.auto_approve_registrations
    settings_row.save()
    assert revision.current() != before


def test_a_rolled_back_change_keeps_the_revision(shop):
    before = revision.current()
    with pytest.raises(RuntimeError), transaction.atomic():
        shop["product"].save()
        raise RuntimeError
    assert revision.current() == before


# What is never cached


def test_signed_in_visitors_get_their_own_pages(client, shop, consumer):
    hit(client, "/catalogue-products")
    client.post("/auth/password/login", {"email": consumer.email, "password": PASSWORD})
    response = client.get("/catalogue-products")
    assert response.status_code == 200 and response.headers.get(HIT_HEADER) is None
    assert consumer.first_name in response.content.decode()


def test_pages_that_need_signing_in_or_set_cookies_are_not_cached(client, shop):
    for path in ("/auth/password/login", "/auth/password/register"):
        client.get(path)
        assert client.get(path).headers.get(HIT_HEADER) is None
    assert client.get("/nowhere").status_code == 404
    assert client.get("/nowhere").headers.get(HIT_HEADER) is None
    client.cookies["messages"] = "x"
    hit_or_not = client.get("/catalogue-products")
    assert hit_or_not.headers.get(HIT_HEADER) is None


def test_a_post_is_never_answered_from_the_cache(client, shop):
    hit(client, "/catalogue-products")
    assert client.post("/catalogue-products").status_code == 405


def test_the_key_holds_scheme_host_and_query(client, shop):
    hit(client, "/catalogue-products")
    assert client.get("/catalogue-products?q=weather").headers.get(HIT_HEADER) == "miss"
    assert client.get("/catalogue-products", HTTP_HOST="other.example.com").headers.get(HIT_HEADER) == "miss"
    assert client.get("/catalogue-products", secure=True).headers.get(HIT_HEADER) == "miss"


# ETag, 304, HEAD and the security headers of a hit


def test_etag_and_304(client, shop):
    first = client.get("/catalogue-products")
    etag = first["ETag"]
    assert etag.startswith('W/"')
    again = client.get("/catalogue-products", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again["ETag"] == etag and not again.content
    assert "Content-Security-Policy" not in again  # the browser keeps the one matching its copy
    shop["product"].save()  # a new revision, the same page: the same ETag
    assert client.get("/catalogue-products", headers={"If-None-Match": etag}).status_code == 304
    shop["product"].display_name = "Climate"
    shop["product"].save()
    changed = client.get("/catalogue-products", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag
    head = client.head("/catalogue-products")
    assert head.status_code == 200


def test_a_hit_has_a_fresh_nonce_in_its_body_and_policy(client, db):
    ts.store(**{"views__home_DOT_html": '<script nonce="{{ csp_nonce }}">var x = 1;</script>'
                                        '<p>{{ request_path }}</p>'})
    storage.activate("acme", None)
    first, second, third = (client.get("/?q=%3Cscript%3E") for _ in range(3))
    assert [r.headers.get(HIT_HEADER) for r in (first, second, third)] == ["miss", "hit", "hit"]
    nonces = [nonce(r) for r in (first, second, third)]
    assert len(set(nonces)) == 3, nonces
    for response, value in zip((first, second, third), nonces, strict=True):
        body = response.content.decode()
        assert f'<script nonce="{value}">' in body
        assert all(other not in body for other in nonces if other != value)
    for name in ("X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy"):
        assert second[name] == first[name]
    assert second["Content-Security-Policy"] == first["Content-Security-Policy"].replace(nonces[0], nonces[1])


def test_the_docs_pages_policy_survives_a_hit(client, shop):
    path = f"/catalogue-products/weather/{shop['api'].pk}/docs"
    first, second = client.get(path), client.get(path)
    assert second.headers.get(HIT_HEADER) == "hit"
    assert "gw-one.example.com" in second["Content-Security-Policy"]
    assert second["Content-Security-Policy"] == first["Content-Security-Policy"].replace(nonce(first), nonce(second))
    document = f"/catalogue-products/weather/{shop['api'].pk}/openapi"
    served = client.get(document)  # prepared once per change (live/served_documents.py), so never in the page cache
    assert served["Content-Security-Policy"].startswith("default-src 'none'")
    assert served["Content-Disposition"].startswith("attachment")


@override_settings(HSTS_HEADER="max-age=31536000")
def test_hsts_on_a_hit(client, shop):
    client.get("/catalogue-products")
    assert client.get("/catalogue-products")["Strict-Transport-Security"] == "max-age=31536000"


# Redis, and a cache that fails


REDIS = "redis://127.0.0.1:6379/"


def redis_cache(db_number: int):
    from django.core.cache.backends.redis import RedisCache

    config = backends.caches(REDIS + str(db_number))["default"]
    return RedisCache(config["LOCATION"], {k: v for k, v in config.items() if k not in ("BACKEND", "LOCATION")})


def test_redis_holds_bytes_only_and_serves_pages(client, shop, monkeypatch):
    import secrets

    redis = redis_cache(secrets.randbelow(15) + 1)
    monkeypatch.setattr(store, "cache", redis)
    hit(client, "/catalogue-products")
    with pytest.raises(TypeError):
        redis.set("forecourt-test-object", {"a": 1})


def test_two_releases_sharing_a_redis_never_read_each_others_entries(monkeypatch):
    # During a rolling upgrade both serve under the same content revision: same logical keys.
    import importlib
    import secrets

    db_number = secrets.randbelow(15) + 1
    this = redis_cache(db_number)
    this.set("page:abc", b"rendered by this release")
    monkeypatch.setattr("forecourt.__version__", "99.0.0")
    try:
        other_config = importlib.reload(backends).caches(REDIS + str(db_number))["default"]
    finally:
        monkeypatch.undo()
        importlib.reload(backends)
    from django.core.cache.backends.redis import RedisCache

    other = RedisCache(other_config["LOCATION"], {k: v for k, v in other_config.items()
                                                  if k not in ("BACKEND", "LOCATION")})
    assert other_config["KEY_PREFIX"] == "forecourt-99.0.0"
    assert backends.caches(REDIS)["default"]["KEY_PREFIX"] == f"forecourt-{forecourt.__version__}"
    assert other.get("page:abc") is None and this.get("page:abc") == b"rendered by this release"


def test_a_redis_that_is_down_renders_pages_and_warns_without_the_password(client, shop, monkeypatch, caplog,
                                                                             settings):
    from django.core.cache.backends.redis import RedisCache

    url = "redis://:hunter2-secret@127.0.0.1:1/0"
    config = backends.caches(url)["default"]
    monkeypatch.setattr(store, "cache", RedisCache(url, {k: v for k, v in config.items()
                                                          if k not in ("BACKEND", "LOCATION")}))
    settings.CONFIG = dataclasses.replace(settings.CONFIG, cache_url=url)
    for _ in range(3):
        response = client.get("/catalogue-products")
        assert response.status_code == 200 and "Weather" in response.content.decode()
    warnings = [r.getMessage() for r in caplog.records if r.name == "forecourt.pagecache"]
    assert len(warnings) == 1, warnings  # once, then the cache is left alone for a while
    assert "127.0.0.1:1" in warnings[0] and "hunter2" not in warnings[0]


def test_entries_that_are_not_ours_are_misses(client, shop):
    hit(client, "/catalogue-products")
    for key in list(cache._cache):  # type: ignore[attr-defined]
        cache._cache[key] = cache._cache[key][:5]  # type: ignore[attr-defined]
    assert client.get("/catalogue-products").status_code == 200


# PORTAL_CACHE_URL


@pytest.mark.parametrize("url", ["redis://127.0.0.1:6379/0", "rediss://:pw@cache.example.com:6380/3",
                                 "redis://cache"])
def test_good_cache_urls(url):
    config = load(environ={"PORTAL_CACHE_URL": url}, cwd="/")
    assert config["Cache.URL"] == url
    assert backends.caches(url)["default"]["BACKEND"].endswith("RedisCache")
    shown = {row["key"]: row["value"] for row in config.describe()}
    assert shown["Cache.URL"] == "********"


@pytest.mark.parametrize("url", ["memcached://127.0.0.1:11211", "redis://", "redis://h:99999/0",
                                 "redis://:secret-pw@h/16", "http://h", "redis://h/zero"])
def test_bad_cache_urls_are_a_configuration_error_that_hides_the_value(url):
    with pytest.raises(ConfigError) as caught:
        load(environ={"PORTAL_CACHE_URL": url}, cwd="/")
    assert "Cache.URL" in str(caught.value) or "CACHE_URL" in str(caught.value)
    assert "secret-pw" not in str(caught.value)


def test_empty_is_the_embedded_cache():
    assert backends.caches("")["default"]["BACKEND"].endswith("LocMemCache")
    assert backends.masked("redis://user:pw@h:1/2") == "redis://***@h:1/2"


# Fragments of signed-in pages


def test_fragments_are_kept_per_revision_and_parts(shop):
    from forecourt.pagecache import fragments

    calls = []

    def build():
        calls.append(1)
        return {"cards": [shop["product"].display_name]}

    assert fragments.cached("cards", [1, 2], build) == {"cards": ["Weather"]}
    assert fragments.cached("cards", [1, 2], build) == {"cards": ["Weather"]} and len(calls) == 1
    assert fragments.cached("cards", [1, 3], build) and len(calls) == 2
    shop["product"].display_name = "Climate"
    shop["product"].save()
    assert fragments.cached("cards", [1, 2], build) == {"cards": ["Climate"]} and len(calls) == 3
    assert fragments.cached("tuple", [], lambda: (1, 2)) == [1, 2]  # always as json.loads() returns it
    with pytest.raises(TypeError):
        fragments.cached("objects", [], lambda: {1, 2})  # not JSON data: a programming error


def test_signed_in_catalogue_pages_share_what_does_not_depend_on_the_user(client, shop, consumer, monkeypatch):
    from forecourt.accounts.models import Team
    from forecourt.live.catalogue import data

    hidden = Catalogue.objects.create(name="Partners", visibility=Catalogue.Visibility.PRIVATE)
    hidden.products.add(factories.product(display_name="Secret sauce", slug="secret-sauce", published=True))
    computed = []
    real = data.catalogue_page
    monkeypatch.setattr(data, "catalogue_page", lambda user, filters: computed.append(1) or real(user, filters))
    client.post("/auth/password/login", {"email": consumer.email, "password": PASSWORD})
    first = client.get("/catalogue-products").content.decode()
    second = client.get("/catalogue-products").content.decode()
    assert "Weather" in first and "Secret sauce" not in first and "Weather" in second
    assert len(computed) == 1
    team = Team.objects.filter(members=consumer).first()
    CatalogueAudience.objects.create(catalogue=hidden, organisation=team.organisation, team=team)
    assert "Secret sauce" in client.get("/catalogue-products").content.decode()
    assert len(computed) == 2
    team.members.remove(consumer)  # no new revision: the visible catalogues are in the key
    assert "Secret sauce" not in client.get("/catalogue-products").content.decode()



def test_a_get_reads_the_revision_once_and_again_after_its_own_bump(shop):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from forecourt.pagecache import revision

    with CaptureQueriesContext(connection) as reads, revision.once_per_request():
        first = revision.current()
        assert revision.current() == first
        bumped = revision.bump()
        assert revision.current() == bumped != first
        assert revision.current() == bumped
    assert [q["sql"] for q in reads.captured_queries if "token FROM" in q["sql"]].__len__() == 2
    assert revision.current() == bumped  # outside: read each time, as before
