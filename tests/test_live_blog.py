"""The Live Portal's blog: the index (newest first, paged, by category and tag), a post, the Atom feed;
drafts and posts still to come are 404s everywhere; Markdown is sanitised; the page cache follows posts,
categories and tags; the Admin Portal writes posts and categories."""

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.utils import timezone

from forecourt.audit.models import AuditEntry
from forecourt.blog.models import Category, Post
from forecourt.catalog.models import Tag
from forecourt.live.blog import data
from forecourt.pagecache.middleware import HIT_HEADER

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def post(path, days_ago=1, status=Post.Status.PUBLISHED, categories=(), tags=(), **fields):
    p = Post.objects.create(title=fields.pop("title", path.title()), path=path, status=status,
                            published_at=timezone.now() - timedelta(days=days_ago), **fields)
    p.categories.set(categories)
    p.tags.set(tags)
    return p


def page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, response.content[:300]
    return response.content.decode()


def test_the_index_lists_visible_posts_newest_first_and_hides_drafts_and_future_posts(client):
    post("old", days_ago=3, title="Old")
    post("new", days_ago=1, title="New")
    post("mid", days_ago=2, title="Mid")
    post("draft", days_ago=1, title="Draft", status=Post.Status.DRAFT)
    post("future", days_ago=-1, title="Future")
    body = page(client, "/blog")
    assert body.index(">New</a></h2>") < body.index(">Mid</a></h2>") < body.index(">Old</a></h2>")
    assert "Draft" not in body and "Future" not in body
    assert '<link rel="alternate" type="application/atom+xml" title="Blog" href="/blog/feed.atom">' in body
    assert "Mid" in page(client, "/blog/mid")
    page(client, "/blog/draft", 404)
    page(client, "/blog/future", 404)
    page(client, "/blog/nothing", 404)
    page(client, "/blog/Not_A_Path", 404)


def test_the_index_is_paged(client):
    for i in range(data.PER_PAGE + 2):
        post(f"p{i}", days_ago=i + 1, title=f"Post number {i}")
    first = page(client, "/blog")
    assert "Post number 0<" in first and f"Post number {data.PER_PAGE}<" not in first
    assert 'rel="next" href="/blog?page=2"' in first
    second = page(client, "/blog?page=2")
    assert f"Post number {data.PER_PAGE + 1}<" in second and "Post number 0<" not in second
    assert "Page 2 of 2" in second
    assert "Page 2 of 2" in page(client, "/blog?page=99")  # past the end: the last page


def test_the_index_filters_by_category_and_by_tag(client):
    news, guides = Category.objects.create(name="News"), Category.objects.create(name="Guides")
    money = Tag.objects.create(name="Money", folded="money")
    post("one", title="Alpha post", categories=[news], tags=[money])
    post("two", title="Beta post", categories=[guides])
    body = page(client, f"/blog?category={news.pk}")
    assert "Alpha post" in body and "Beta post" not in body
    body = page(client, "/blog?tag=money")
    assert "Alpha post" in body and "Beta post" not in body
    assert "No posts match this filter" in page(client, f"/blog?category={guides.pk}&tag=money")
    body = page(client, "/blog/one")
    assert f'href="/blog?category={news.pk}"' in body and 'href="/blog?tag=Money"' in body


def test_markdown_is_rendered_and_sanitised(client):
    post("tips", content="**Bold** <script>alert(1)</script> <img src=x onerror=alert(2)>\n\n[x](javascript:alert(3))")
    body = page(client, "/blog/tips")
    assert "<strong>Bold</strong>" in body
    assert "<script>alert" not in body and "onerror" not in body and "javascript:" not in body
    feed = client.get("/blog/feed.atom").content.decode()
    assert "&lt;strong&gt;Bold&lt;/strong&gt;" in feed
    assert "script" not in feed and "onerror" not in feed and "javascript:" not in feed


def test_the_feed_is_atom_with_the_visible_posts(client):
    news = Category.objects.create(name="News")
    post("old", days_ago=3, title="Old", lede="Old news.", author_name="Ada", categories=[news])
    post("new", days_ago=1, title="New")
    post("draft", title="Draft", status=Post.Status.DRAFT)
    post("future", days_ago=-1, title="Future")
    response = client.get("/blog/feed.atom")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)  # noqa: S314 - the portal's own feed, of posts this test wrote
    assert root.tag == f"{ATOM}feed"
    entries = root.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == ["New", "Old"]
    old = entries[1]
    assert old.find(f"{ATOM}link").get("href") == "http://testserver/blog/old"
    assert old.findtext(f"{ATOM}summary") == "Old news."
    assert old.findtext(f"{ATOM}author/{ATOM}name") == "Ada"
    assert [c.get("term") for c in old.findall(f"{ATOM}category")] == ["News"]


def test_the_page_cache_follows_posts_categories_and_tags(client):
    news = Category.objects.create(name="News")
    tag = Tag.objects.create(name="Money", folded="money")
    first = post("first", title="First post", categories=[news], tags=[tag])
    client.get("/blog")
    assert client.get("/blog").headers.get(HIT_HEADER) == "hit"
    client.get("/blog/first")
    assert client.get("/blog/first").headers.get(HIT_HEADER) == "hit"

    post("second", title="Second post")
    assert "Second post" in page(client, "/blog")
    first.title = "Renamed post"
    first.save()
    assert "Renamed post" in page(client, "/blog/first")
    news.name = "Tidings"
    news.save()
    assert "Tidings" in page(client, "/blog/first")
    tag.name = "Cash"
    tag.save()
    assert "Cash" in page(client, "/blog/first")
    first.tags.clear()
    assert "Cash" not in page(client, "/blog/first")
    first.status = Post.Status.DRAFT
    first.save()
    page(client, "/blog/first", 404)


def test_blog_pages_are_not_cached_while_a_post_is_scheduled(client):
    post("now", title="Now")
    post("later", days_ago=-1, title="Later")
    client.get("/blog")
    assert client.get("/blog").headers.get(HIT_HEADER) != "hit"


def test_the_index_query_count_does_not_grow_with_posts(client, django_assert_max_num_queries):
    news = Category.objects.create(name="News")
    tag = Tag.objects.create(name="Money", folded="money")
    for i in range(data.PER_PAGE):
        post(f"p{i}", categories=[news], tags=[tag])
    with django_assert_max_num_queries(15) as small:
        client.get("/blog?page=1&tag=money")
    for i in range(data.PER_PAGE, 3 * data.PER_PAGE):
        post(f"p{i}", categories=[news], tags=[tag])
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get("/blog?page=1&tag=money")


@pytest.fixture
def signed_in(client, admin):
    assert client.post("/portal-admin/sign-in/", {"username": admin.email, "password": PASSWORD}).status_code == 302
    return client


def test_admin_portal_creates_edits_and_deletes_posts_and_categories(signed_in, admin, client):
    nav = signed_in.get("/portal-admin/").content.decode()
    assert "/portal-admin/posts/" in nav and "/portal-admin/post-categories/" in nav
    assert signed_in.post("/portal-admin/post-categories/new/", {"name": "News"}).status_code == 302
    response = signed_in.post("/portal-admin/post-categories/new/", {"name": "news"})
    assert response.status_code == 200 and "There is a category named news already" in response.content.decode()
    news = Category.objects.get(name="News")

    assert signed_in.get("/portal-admin/posts/new/").status_code == 200
    fields = {"title": "Hello", "path": "hello", "lede": "Hi.", "content": "**Hi**", "author_name": "Ada",
              "status": "published", "published_at": "2026-01-02 03:04", "categories": [news.pk]}
    assert signed_in.post("/portal-admin/posts/new/", fields).status_code == 302
    hello = Post.objects.get(path="hello")
    assert list(hello.categories.all()) == [news]
    response = signed_in.post("/portal-admin/posts/new/", {**fields, "title": ""})
    assert response.status_code == 200 and Post.objects.count() == 1
    response = signed_in.post("/portal-admin/posts/new/", {**fields, "title": "Again"})
    assert response.status_code == 200 and "Another post is at hello already" in response.content.decode()

    assert signed_in.post(f"/portal-admin/posts/{hello.pk}/", {**fields, "title": "Hello there"}).status_code == 302
    assert "Hello there" in signed_in.get("/blog/hello").content.decode()
    listing = signed_in.get(f"/portal-admin/posts/?category={news.pk}&status=published").content.decode()
    assert "Hello there" in listing
    assert "Hello there" not in signed_in.get("/portal-admin/posts/?status=draft").content.decode()

    assert signed_in.post(f"/portal-admin/posts/{hello.pk}/delete/").status_code == 302
    assert signed_in.post(f"/portal-admin/post-categories/{news.pk}/delete/").status_code == 302
    assert not Post.objects.exists() and not Category.objects.exists()
    kinds = set(AuditEntry.objects.filter(actor=admin).values_list("object_type", "action"))
    assert {("blog.post", "create"), ("blog.post", "update"), ("blog.post", "delete"),
            ("blog.category", "create"), ("blog.category", "delete")} <= kinds


def test_a_posts_date_is_written_as_the_readers_language_writes_dates():
    from datetime import UTC, datetime

    from django.utils import translation

    day = datetime(2026, 6, 25, 13, 37, tzinfo=UTC)
    expected = {"en": "25 June 2026", "de": "25. Juni 2026", "fr": "25 juin 2026", "es": "25 de junio de 2026",
                "ja": "2026年6月25日"}
    for language, words in expected.items():
        with translation.override(language):
            assert data.published_on(day) == words
