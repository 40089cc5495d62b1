"""/portal-api/posts: Tyk's 11 blog operations (posts, a post's categories and tags), their shapes, their
422s, and the audit log; /tags answers the posts a tag is on."""

from datetime import timedelta

import pytest
from django.utils import timezone

from forecourt.audit.models import AuditEntry
from forecourt.blog.models import Category, Post
from forecourt.catalog.models import Tag

pytestmark = pytest.mark.django_db

POST_FIELDS = {"ID", "Title", "Lede", "Content", "Status", "Path", "AuthorName", "PublishedAt", "Categories", "Tags",
               "MarkdownEnabled", "MarkdownContent", "PreviewContent", "Translations", "CreatedAt", "UpdatedAt"}


def ok(response, status=200):
    assert response.status_code == status, response.content
    return response.json()


def errors_of(response):
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["status"] == "error"
    return body["errors"]


def test_create_read_update_delete_a_post(api, admin):
    news = Category.objects.create(name="News")
    tag = Tag.objects.create(name="Payments", folded="payments")
    created = ok(api("post", "/posts", {"Title": "Ten tips", "Path": "ten-tips", "Lede": "Short.",
                                        "Content": "# Hello\n\nSome *Markdown*.", "AuthorName": "Ada",
                                        "Categories": [news.pk], "Tags": [str(tag.pk)]}), 201)
    assert set(created) == POST_FIELDS
    assert created["Status"] == "draft"
    assert created["MarkdownEnabled"] is True and created["MarkdownContent"] == created["Content"]
    assert created["PreviewContent"] == "Short."
    assert [(c["ID"], c["Name"]) for c in created["Categories"]] == [(news.pk, "News")]
    assert set(created["Categories"][0]) == {"ID", "Name", "Translations", "CreatedAt", "UpdatedAt"}
    assert [(t["ID"], t["Name"]) for t in created["Tags"]] == [(tag.pk, "Payments")]
    assert set(created["Tags"][0]) == {"ID", "Name", "CreatedAt", "UpdatedAt"}
    path = f"/posts/{created['ID']}"

    assert ok(api("get", path)) == created
    listed = ok(api("get", "/posts"))
    assert [p["ID"] for p in listed] == [created["ID"]] and set(listed[0]) == POST_FIELDS

    changed = ok(api("put", path, {"Status": "Published", "PublishedAt": "2026-01-02 03:04", "Tags": []}))
    assert (changed["Status"], changed["PublishedAt"], changed["Tags"]) == ("published", "2026-01-02 03:04", [])
    assert changed["Title"] == "Ten tips" and len(changed["Categories"]) == 1  # left out: kept

    assert ok(api("delete", path)) == {"status": "ok"}
    assert api("get", path).status_code == 404
    assert api("delete", path).status_code == 404
    actions = list(AuditEntry.objects.filter(object_type="blog.post", actor=admin).values_list("action", flat=True))
    assert sorted(actions) == ["create", "delete", "update"]


def test_markdown_content_is_taken_when_content_is_not_sent(api):
    post = ok(api("post", "/posts", {"Title": "T", "Path": "t", "MarkdownEnabled": True,
                                     "MarkdownContent": "**bold**"}), 201)
    assert post["Content"] == "**bold**"


@pytest.mark.parametrize(("body", "field"), [
    ({"Title": "", "Path": "a"}, "Title"),
    ({"Title": "   ", "Path": "a"}, "Title"),
    ({"Path": "a"}, "Title"),
    ({"Title": "T", "Path": "Not A Slug"}, "Path"),
    ({"Title": "T", "Path": "taken"}, "Path"),
    ({"Title": "T", "Path": "a", "Categories": [999999]}, "Categories"),
    ({"Title": "T", "Path": "a", "Tags": [999999]}, "Tags"),
    ({"Title": "T", "Path": "a", "Tags": ["payments"]}, "Tags"),
    ({"Title": "T", "Path": "a", "Status": "live"}, "Status"),
    ({"Title": "T", "Path": "a", "PublishedAt": "tomorrow"}, "PublishedAt"),
])
def test_bad_posts_are_422_and_change_nothing(api, body, field):
    Post.objects.create(title="Taken", path="taken")
    errors = errors_of(api("post", "/posts", body))
    assert errors[0].startswith(field), errors
    assert Post.objects.count() == 1


def test_an_update_to_another_posts_path_is_422(api):
    Post.objects.create(title="Taken", path="taken")
    post = ok(api("post", "/posts", {"Title": "T", "Path": "mine"}), 201)
    assert "Another post is at taken" in errors_of(api("put", f"/posts/{post['ID']}", {"Path": "taken"}))[0]
    assert ok(api("put", f"/posts/{post['ID']}", {"Path": "mine"}))["Path"] == "mine"  # its own is fine


def test_a_posts_categories(api, admin):
    news, guides = Category.objects.create(name="News"), Category.objects.create(name="Guides")
    post = ok(api("post", "/posts", {"Title": "T", "Path": "t", "Categories": [news.pk]}), 201)
    path = f"/posts/{post['ID']}/categories"
    attached = ok(api("post", path, {"ID": guides.pk}), 201)
    assert (attached["ID"], attached["Name"]) == (guides.pk, "Guides")
    assert ok(api("post", path, {"ID": str(guides.pk)}), 201)["ID"] == guides.pk  # again: nothing changes
    assert [c["Name"] for c in ok(api("get", path))] == ["Guides", "News"]
    assert errors_of(api("post", path, {"ID": 999999}))
    assert ok(api("delete", f"{path}/{news.pk}")) == {"status": "ok"}
    assert api("delete", f"{path}/{news.pk}").status_code == 404  # not in it any more
    assert [c["Name"] for c in ok(api("get", path))] == ["Guides"]
    assert Category.objects.filter(pk=news.pk).exists()  # the category itself stays
    assert api("get", "/posts/999999/categories").status_code == 404
    assert AuditEntry.objects.filter(object_type="blog.post", action="update", actor=admin).count() == 2


def test_a_posts_tags_are_the_catalogues_tags_and_tags_list_their_posts(api):
    created = ok(api("post", "/tags", {"Name": "Payments"}), 201)
    post = ok(api("post", "/posts", {"Title": "T", "Path": "t", "Lede": "L"}), 201)
    path = f"/posts/{post['ID']}/tags"
    attached = ok(api("post", path, {"ID": created["ID"]}), 201)
    assert (attached["ID"], attached["Name"]) == (created["ID"], "Payments")
    assert [t["Name"] for t in ok(api("get", path))] == ["Payments"]
    assert errors_of(api("post", path, {"ID": 999999}))

    detail = ok(api("get", f"/tags/{created['ID']}"))
    assert detail["Posts"] == [{"ID": post["ID"], "Title": "T", "Lede": "L", "Status": "draft", "Path": "t"}]
    ok(api("put", f"/tags/{created['ID']}", {"Name": "Money"}))  # renamed for posts too
    assert [t["Name"] for t in ok(api("get", path))] == ["Money"]

    assert ok(api("delete", f"{path}/{created['ID']}")) == {"status": "ok"}
    assert api("delete", f"{path}/{created['ID']}").status_code == 404
    assert ok(api("get", path)) == []
    ok(api("post", path, {"ID": created["ID"]}), 201)
    ok(api("delete", f"/tags/{created['ID']}"))  # deleting the tag takes it off the post
    assert ok(api("get", path)) == []


def test_posts_list_is_paged_newest_first(api):
    now = timezone.now()
    for i in range(3):
        Post.objects.create(title=f"P{i}", path=f"p{i}", published_at=now - timedelta(days=i))
    assert [p["Title"] for p in ok(api("get", "/posts", per_page=2))] == ["P0", "P1"]
    assert [p["Title"] for p in ok(api("get", "/posts", per_page=2, page=2))] == ["P2"]


def test_posts_need_a_token(api):
    assert api("get", "/posts", token=None).status_code == 401
