"""/portal-api/posts: blog posts, their categories and their tags, as in Tyk's portal API (Post-show,
Post-update, Category-show, Tag-show; Tyk's 11 operations). Writes go through the post form the Admin
Portal uses (forecourt.blog.forms), so the rules and the audit log are shared.

Divergences from Tyk, on purpose (docs/migrating-from-tyk.md):

* `Content` is Markdown, always (`MarkdownEnabled` is answered `true`; sent, it is ignored);
  `MarkdownContent` is answered equal to `Content`, and taken as the content when `Content` is not
  sent. `PreviewContent` is answered equal to `Lede` and ignored on write. HTML in the content is
  sanitised when shown, never served as written.
* IDs are numbers (Tyk declares some as strings; digit strings are accepted on write). `Categories`
  and `Tags` are written as IDs; the objects a GET answers are accepted too, so a post read with GET
  can be PUT back. An ID that is no category or tag is a 422.
* Extra fields: `AuthorName`, and `PublishedAt` ("YYYY-MM-DD hh:mm", UTC; a published post is shown
  from then on; new posts: now). Tags (the catalogue's tags, shared with products) have no
  `CreatedAt`/`UpdatedAt`: they are answered null.
* Categories themselves are made, renamed and deleted in the Admin Portal (Tyk's API has no
  `/categories`).
"""

from typing import Any, Literal

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Router, Status

from forecourt.blog.models import Category, Post
from forecourt.catalog.models import Tag

from .. import forms, translations
from ..common import ERRORS, MAX_ID, Id, PagingQuery, PathId, StatusOut, actor, page_of, tyk_time
from ..compat import TykIn
from ..schemas_base import Out

router = Router(tags=["posts"])

FIELDS = {"Title": "title", "Path": "path", "Lede": "lede", "Content": "content", "AuthorName": "author_name",
          "Status": "status", "PublishedAt": "published_at", "Categories": "categories", "Tags": "tags"}
NAMES = translations.names({form: api for api, form in FIELDS.items()})
TRANSLATED = translations.TranslatedFields(Post, FIELDS)
CATEGORY_TRANSLATED = translations.TranslatedFields(Category, {"Name": "name"})


class CategoryOut(Out):
    ID: int
    Name: str
    Translations: translations.Translations = translations.answer_field(CATEGORY_TRANSLATED)
    CreatedAt: str | None
    UpdatedAt: str | None


class PostTagOut(Out):
    ID: int
    Name: str
    CreatedAt: str | None = Field(description="Always null: tags are shared with products and keep no dates.")
    UpdatedAt: str | None = Field(description="Always null.")


class PostOut(Out):
    ID: int
    Title: str
    Lede: str
    Content: str = Field(description="Markdown.")
    Status: Literal["draft", "published"]
    Path: str = Field(description="The post is served at /blog/PATH.")
    AuthorName: str
    PublishedAt: str | None = Field(description="UTC; a published post is shown from then on.")
    Categories: list[CategoryOut]
    Tags: list[PostTagOut]
    MarkdownEnabled: bool = Field(description="Always true: the content is Markdown.")
    MarkdownContent: str = Field(description="The same as Content.")
    PreviewContent: str = Field(description="The same as Lede.")
    Translations: translations.Translations = translations.answer_field(TRANSLATED)
    CreatedAt: str | None
    UpdatedAt: str | None


Ref = Id | str | dict[str, Any]


class PostIn(TykIn):
    """A post to create, or the changes to one: fields left out keep their value."""

    READ_ONLY = frozenset({"ID", "CreatedAt", "UpdatedAt", "MarkdownEnabled", "PreviewContent"})
    Title: str | None = Field(None, max_length=255)
    Path: str | None = Field(None, max_length=255, description="e.g. ten-tips: served at /blog/ten-tips.")
    Lede: str | None = Field(None, max_length=10_000)
    Content: str | None = Field(None, max_length=500_000, description="Markdown.")
    MarkdownContent: str | None = Field(None, max_length=500_000, description="Taken as Content when "
                                                                            "Content is not sent.")
    AuthorName: str | None = Field(None, max_length=100)
    Status: str | None = Field(None, max_length=16, description="`draft` (new posts) or `published`.")
    PublishedAt: str | None = Field(None, max_length=32, description="YYYY-MM-DD hh:mm (UTC). New posts: now.")
    Categories: list[Ref] | None = Field(None, description="Category IDs (or the objects a GET answers).")
    Tags: list[Ref] | None = Field(None, description="Tag IDs (or the objects a GET answers).")
    Translations: translations.Translations | None = translations.body_field(TRANSLATED)


class AttachIn(TykIn):
    ID: Id | str


def _ids(values: list[Ref], field: str) -> list[int]:
    ids: list[int] = []
    for value in values:
        raw = value.get("ID") if isinstance(value, dict) else value
        if isinstance(raw, str) and raw.strip().isdigit():
            raw = int(raw.strip())
        if not isinstance(raw, int) or isinstance(raw, bool) or not 1 <= raw <= MAX_ID:
            raise forms.Invalid([f"{field}: give IDs (numbers), e.g. [1, 2]"])
        ids.append(raw)
    return list(dict.fromkeys(ids))


def _id(value: int | str, field: str) -> int:
    return _ids([value], field)[0]


def _category_out(c: Category) -> CategoryOut:
    return CategoryOut(ID=c.pk, Name=c.name, Translations=CATEGORY_TRANSLATED.answer(c),
                       CreatedAt=tyk_time(c.created_at), UpdatedAt=tyk_time(c.updated_at))


def _tag_out(t: Tag) -> PostTagOut:
    return PostTagOut(ID=t.pk, Name=t.name, CreatedAt=None, UpdatedAt=None)


def _posts() -> QuerySet[Post]:
    return Post.objects.prefetch_related("categories", "tags")


def _out(post: Post) -> PostOut:
    return PostOut(
        ID=post.pk, Title=post.title, Lede=post.lede, Content=post.content,
        Status=post.status,  # type: ignore[arg-type]  # one of the two choices
        Path=post.path, AuthorName=post.author_name, PublishedAt=tyk_time(post.published_at),
        Categories=[_category_out(c) for c in sorted(post.categories.all(), key=lambda c: (c.name, c.pk))],
        Tags=[_tag_out(t) for t in sorted(post.tags.all(), key=lambda t: (t.folded, t.pk))],
        MarkdownEnabled=True, MarkdownContent=post.content, PreviewContent=post.lede,
        Translations=TRANSLATED.answer(post),
        CreatedAt=tyk_time(post.created_at), UpdatedAt=tyk_time(post.updated_at))


def _full(post_id: int) -> PostOut:
    return _out(get_object_or_404(_posts(), pk=post_id))


def _changes(payload: PostIn, creating: bool) -> dict[str, Any]:
    sent = {k: v for k, v in payload.model_dump(exclude_unset=True).items() if v is not None}
    markdown = sent.pop("MarkdownContent", None)
    if "Content" not in sent and markdown is not None:
        sent["Content"] = markdown
    changes = {FIELDS[k]: v for k, v in sent.items() if k in FIELDS}
    changes.update(TRANSLATED.changes(payload.Translations))
    if "status" in changes:
        changes["status"] = str(changes["status"]).strip().lower()
    for name, field in (("categories", "Categories"), ("tags", "Tags")):
        if name in changes:
            changes[name] = _ids(changes[name], field)
    if creating:
        changes.setdefault("status", Post.Status.DRAFT)
        changes.setdefault("content", "")
        changes.setdefault("published_at", timezone.now())
    return changes


def _save(post: Post | None, changes: dict[str, Any], request: HttpRequest) -> Post:
    return forms.save("posts", changes, actor(request), instance=post, names=NAMES)  # type: ignore[no-any-return]


@router.get("/posts", response={200: list[PostOut], **ERRORS})
def list_posts(request: HttpRequest, paging: PagingQuery) -> list[PostOut]:
    """Every post, drafts too, newest publish date first."""
    return [_out(p) for p in page_of(_posts().order_by("-published_at", "-pk"), paging)]


@router.post("/posts", response={201: PostOut, **ERRORS})
def create_post(request: HttpRequest, payload: PostIn) -> Status[Any]:
    """Create a post (a draft unless `Status` is `published`). An empty title, a path another post has or
    an ID that is no category or tag is a 422."""
    return Status(201, _full(_save(None, _changes(payload, creating=True), request).pk))


@router.get("/posts/{post_id}", response={200: PostOut, **ERRORS})
def get_post(request: HttpRequest, post_id: PathId) -> PostOut:
    return _full(post_id)


@router.put("/posts/{post_id}", response={200: PostOut, **ERRORS})
def update_post(request: HttpRequest, post_id: PathId, payload: PostIn) -> PostOut:
    """Change a post; fields left out keep their values (`Categories` and `Tags` sent are the whole lists)."""
    post = get_object_or_404(Post, pk=post_id)
    return _full(_save(post, _changes(payload, creating=False), request).pk)


@router.delete("/posts/{post_id}", response={200: StatusOut, **ERRORS})
def delete_post(request: HttpRequest, post_id: PathId) -> StatusOut:
    forms.delete("posts", get_object_or_404(Post, pk=post_id), actor(request))
    return StatusOut()


# A post's categories and tags: attached by ID, through the post form (audited as a change of the post).


def _attach(request: HttpRequest, post_id: int, field: str, value: int | str) -> tuple[Post, int]:
    post = get_object_or_404(_posts(), pk=post_id)
    wanted = _id(value, "ID")
    current = [o.pk for o in getattr(post, field).all()]
    if wanted not in current:  # one already there is a 201 that changes nothing
        _save(post, {field: [*current, wanted]}, request)
    return post, wanted


def _detach(request: HttpRequest, post_id: int, field: str, object_id: int) -> None:
    post = get_object_or_404(_posts(), pk=post_id)
    current = [o.pk for o in getattr(post, field).all()]
    if object_id not in current:
        raise Http404(f"the post has no such {field[:-1] if field == 'tags' else 'category'}")
    _save(post, {field: [pk for pk in current if pk != object_id]}, request)


@router.get("/posts/{post_id}/categories", response={200: list[CategoryOut], **ERRORS})
def list_post_categories(request: HttpRequest, post_id: PathId) -> list[CategoryOut]:
    post = get_object_or_404(Post.objects.only("pk"), pk=post_id)
    return [_category_out(c) for c in post.categories.order_by("name", "pk")]


@router.post("/posts/{post_id}/categories", response={201: CategoryOut, **ERRORS})
def attach_post_category(request: HttpRequest, post_id: PathId, payload: AttachIn) -> Status[Any]:
    """File the post under a category (by ID); an ID that is no category is a 422."""
    _, category_id = _attach(request, post_id, "categories", payload.ID)
    return Status(201, _category_out(Category.objects.get(pk=category_id)))


@router.delete("/posts/{post_id}/categories/{category_id}", response={200: StatusOut, **ERRORS})
def detach_post_category(request: HttpRequest, post_id: PathId, category_id: PathId) -> StatusOut:
    """Take the post out of a category (the category stays); 404 if the post is not in it."""
    _detach(request, post_id, "categories", category_id)
    return StatusOut()


@router.get("/posts/{post_id}/tags", response={200: list[PostTagOut], **ERRORS})
def list_post_tags(request: HttpRequest, post_id: PathId) -> list[PostTagOut]:
    post = get_object_or_404(Post.objects.only("pk"), pk=post_id)
    return [_tag_out(t) for t in post.tags.order_by("folded", "pk")]


@router.post("/posts/{post_id}/tags", response={201: PostTagOut, **ERRORS})
def attach_post_tag(request: HttpRequest, post_id: PathId, payload: AttachIn) -> Status[Any]:
    """Give the post a tag (by ID, from /tags); an ID that is no tag is a 422."""
    _, tag_id = _attach(request, post_id, "tags", payload.ID)
    return Status(201, _tag_out(Tag.objects.get(pk=tag_id)))


@router.delete("/posts/{post_id}/tags/{tag_id}", response={200: StatusOut, **ERRORS})
def detach_post_tag(request: HttpRequest, post_id: PathId, tag_id: PathId) -> StatusOut:
    """Take a tag off the post (the tag stays); 404 if the post does not have it."""
    _detach(request, post_id, "tags", tag_id)
    return StatusOut()
