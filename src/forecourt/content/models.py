"""Pages, their content blocks and the menus' items. The rules (which paths and templates are
allowed, how a menu item points somewhere) are in rules.py and the forms, shared by the Admin
Portal and the Admin API."""

from django.db import models
from django.db.models import Q


class Page(models.Model):
    """A Live Portal page at `path`, rendered with the active theme's view `views/<template>.html`."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    title = models.CharField(max_length=255)
    path = models.CharField(max_length=255, unique=True,
                            help_text="Where the page is served, e.g. /about-us; / is the home page.")
    template = models.CharField(max_length=64, default="page",
                                help_text="A view of the active theme (views/NAME.html) listed in its theme.json.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT,
                              help_text="Drafts are not served (their path answers 404).")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["path", "id"]

    def __str__(self) -> str:
        return f"{self.title} ({self.path})"


class ContentBlock(models.Model):
    """A named piece of Markdown on a page; templates read it as `blocks.NAME.content`."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="blocks")
    name = models.CharField(max_length=64, help_text="As the template names it, e.g. HeaderDescription.")
    content = models.TextField(blank=True, help_text="Markdown.")
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["page_id", "position", "id"]
        indexes = [models.Index(fields=["page", "position", "id"], name="contentblock_list_order")]
        constraints = [models.UniqueConstraint(fields=["page", "name"], name="content_block_name_unique")]

    def __str__(self) -> str:
        return self.name


class MenuItem(models.Model):
    """An item of a Live Portal menu: a page or a URL, possibly with children (one level)."""

    class Menu(models.TextChoices):
        PRIMARY = "primary", "Primary (header)"
        FOOTER = "footer", "Footer"

    class Visibility(models.TextChoices):
        ALWAYS = "always", "Always"
        SIGNED_IN = "signed-in", "Signed-in users"
        SIGNED_OUT = "signed-out", "Visitors who are not signed in"
        HIDDEN = "hidden", "Hidden (also hides a built-in item with the same URL)"

    menu = models.CharField(max_length=16, choices=Menu.choices, default=Menu.PRIMARY)
    label = models.CharField(max_length=100)
    page = models.ForeignKey(Page, on_delete=models.PROTECT, null=True, blank=True, related_name="menu_items",
                             help_text="The page it leads to (shown only while the page is published)...")
    url = models.CharField("URL", max_length=500, blank=True,
                           help_text="...or a URL: a path of this portal (/catalogue-products) or an http(s) URL.")
    position = models.PositiveIntegerField(default=100, help_text="Smaller first. The built-in items are "
                                           "Home 0, Catalogue 10, Dashboard 800, My apps 810, My organisation 900.")
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="children",
                               help_text="Makes this item a child of a top-level item of the same menu.")
    visibility = models.CharField(max_length=16, choices=Visibility.choices, default=Visibility.ALWAYS)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["menu", "position", "id"]
        indexes = [models.Index(fields=["menu", "position", "id"], name="menuitem_list_order")]
        verbose_name = "menu item"
        constraints = [
            models.CheckConstraint(condition=(Q(page__isnull=False) & Q(url="")) | (Q(page__isnull=True) & ~Q(url="")),
                                   name="menu_item_page_or_url"),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.get_menu_display()})"
