"""Blog posts and their categories; a post's tags are the catalogue's tags (catalog.Tag).

Why a package of its own, above `catalog`: Tyk's portal has one list of tags for products and
posts (`/tags` answers each tag's `Posts` and `Products`), and Forecourt's tags with IDs are
catalog.Tag rows. `content` (pages) sits below `catalog` and may not import it, so posts live here,
in a layer above the catalogue (ARCHITECTURE.md, "Layers"), and share its Tag rows: renaming a tag
renames it on products and posts alike, deleting one takes it off both.
"""

from django.db import models
from django.utils import timezone

from forecourt.catalog.models import Tag


class Category(models.Model):
    """A category posts are filed under; the blog index filters by it."""

    name = models.CharField(max_length=100, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Post(models.Model):
    """A blog post: Markdown content shown at /blog/<path> once published and its publish date has come."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    title = models.CharField(max_length=255)
    path = models.SlugField(max_length=255, unique=True,
                            help_text="Where the post is served: /blog/PATH (lower-case letters, digits and -).")
    lede = models.TextField("lead", blank=True, help_text="A short summary, shown in the blog's index and feed.")
    content = models.TextField(blank=True, help_text="Markdown.")
    author_name = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT,
                              help_text="Drafts are not served (their path answers 404).")
    published_at = models.DateTimeField("publish date", default=timezone.now,
                                        help_text="A published post is shown from this moment on (UTC).")
    categories = models.ManyToManyField(Category, blank=True, related_name="posts")
    tags = models.ManyToManyField(Tag, blank=True, related_name="posts")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["status", "published_at"], name="post_live_order")]

    def __str__(self) -> str:
        return self.title
