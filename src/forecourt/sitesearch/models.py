"""The site search's one index: an entry per thing a Live Portal user may find (forecourt.sitesearch)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

# Between an entry's own text and its translations' in `body` (indexing._body): a control character no
# tokenizer counts as a word, where query.snippet cuts the text a snippet is taken from.
TRANSLATIONS = "\n\x1f\n"

class SearchEntry(models.Model):
    """One searchable thing: its kind, its text (`title` ranked above `body`), what its link is made
    of, and what decides who may see it (`product` for a product's own entries; pages and posts are
    indexed only while published, a post's `published_at` checked at query time).

    Derived data: written by forecourt.sitesearch.indexing from the tables it describes, never edited."""

    class Kind(models.TextChoices):
        PRODUCT = "product", _("Product")
        OPERATION = "operation", _("API operation")
        DOC = "doc", _("Getting started")
        PAGE = "page", _("Page")
        POST = "post", _("Blog post")

    # What is rewritten together: "product:12" (the product, its operations and docs), "page:3", "post:7".
    owner = models.CharField(max_length=40)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # No constraint in the database (Django's collector still deletes a product's entries with it):
    # derived rows must not tie catalog_product's locks to this table, or dropping it in a downgrade
    # while an older release reads the catalogue can deadlock with that read on PostgreSQL.
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, null=True, blank=True,
                                related_name="+", db_constraint=False)
    api_id = models.PositiveIntegerField(null=True, blank=True)  # an operation of a ProductAPI's document
    spec_id = models.PositiveIntegerField(null=True, blank=True)  # ... or of a ProductSpec's
    doc_id = models.PositiveIntegerField(null=True, blank=True)  # a ProductDoc
    method = models.CharField(max_length=8, blank=True)  # an operation's method, upper-case
    path = models.CharField(max_length=1000, blank=True)  # an operation's path; a page's or post's path
    title = models.TextField(blank=True)
    body = models.TextField(blank=True)
    published_at = models.DateTimeField(null=True, blank=True)  # a post: found from then on
    position = models.PositiveIntegerField(default=0)  # order within its owner (documents' order)

    class Meta:
        verbose_name = "search entry"
        verbose_name_plural = "search entries"
        indexes = [models.Index(fields=["owner"], name="searchentry_owner")]

    def __str__(self) -> str:
        return f"{self.kind}: {self.title[:60]}"
