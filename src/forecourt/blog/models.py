"""Blog posts and their categories; a post's tags are the catalogue's tags (catalog.Tag).

Why a package of its own, above `catalog`: Tyk's portal has one list of tags for products and
posts (`/tags` answers each tag's `Posts` and `Products`), and Forecourt's tags with IDs are
catalog.Tag rows. `content` (pages) sits below `catalog` and may not import it, so posts live here,
in a layer above the catalogue (ARCHITECTURE.md, "Layers"), and share its Tag rows: renaming a tag
renames it on products and posts alike, deleting one takes it off both.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from forecourt.catalog.models import Tag
from forecourt.i18n.content import Translatable


class Category(Translatable):
    """A category posts are filed under; the blog index filters by it."""

    translated_fields = ("name",)

    name = models.CharField(_("name"), max_length=100, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("category")
        ordering = ["name", "id"]
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name


class Post(Translatable):
    """A blog post: Markdown content shown at /blog/<path> once published and its publish date has come."""

    translated_fields = ("title", "lede", "content")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    title = models.CharField(_("title"), max_length=255)
    path = models.SlugField(_("path"), max_length=255, unique=True,
                            help_text=_("Where the post is served: /blog/PATH (lower-case letters, digits and -)."))
    lede = models.TextField(_("lead"), blank=True, help_text=_("A short summary, shown in the blog's index and feed."))
    content = models.TextField(_("content"), blank=True, help_text=_("Markdown."))
    author_name = models.CharField(_("author name"), max_length=100, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT,
                              help_text=_("Drafts are not served (their path answers 404)."))
    published_at = models.DateTimeField(_("publish date"), default=timezone.now,
                                        help_text=_("A published post is shown from this moment on (UTC)."))
    categories = models.ManyToManyField(Category, verbose_name=_("categories"), blank=True, related_name="posts")
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="posts")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["status", "published_at"], name="post_live_order")]

    def __str__(self) -> str:
        return self.title
