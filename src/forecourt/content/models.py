"""Pages, their content blocks and the menus' items. The rules (which paths and templates are
allowed, how a menu item points somewhere) are in rules.py and the forms, shared by the Admin
Portal and the Admin API."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from forecourt.i18n.content import Translatable


class Page(Translatable):
    """A Live Portal page at `path`, rendered with the active theme's view `views/<template>.html`."""

    translated_fields = ("title",)

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    title = models.CharField(_("title"), max_length=255)
    path = models.CharField(_("path"), max_length=255, unique=True,
                            help_text=_("Where the page is served, e.g. /about-us; / is the home page."))
    template = models.CharField(_("template"), max_length=64, default="page",
                                help_text=_("A view of the active theme (views/NAME.html) listed in its theme.json."))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT,
                              help_text=_("Drafts are not served (their path answers 404)."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("page")
        verbose_name_plural = _("pages")
        ordering = ["path", "id"]

    def __str__(self) -> str:
        return f"{self.title} ({self.path})"


class ContentBlock(Translatable):
    """A named piece of Markdown on a page; templates read it as `blocks.NAME.content`."""

    translated_fields = ("content",)

    page = models.ForeignKey(Page, verbose_name=_("page"), on_delete=models.CASCADE, related_name="blocks")
    name = models.CharField(_("name"), max_length=64, help_text=_("As the template names it, e.g. HeaderDescription."))
    content = models.TextField(_("content"), blank=True, help_text=_("Markdown."))
    position = models.PositiveIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("content block")
        verbose_name_plural = _("content blocks")
        ordering = ["page_id", "position", "id"]
        indexes = [models.Index(fields=["page", "position", "id"], name="contentblock_list_order")]
        constraints = [models.UniqueConstraint(fields=["page", "name"], name="content_block_name_unique")]

    def __str__(self) -> str:
        return self.name


class MenuItem(Translatable):
    """An item of a Live Portal menu: a page or a URL, possibly with children (one level)."""

    translated_fields = ("label",)

    class Menu(models.TextChoices):
        PRIMARY = "primary", _("Primary (header)")
        FOOTER = "footer", _("Footer")

    class Visibility(models.TextChoices):
        ALWAYS = "always", _("Always")
        SIGNED_IN = "signed-in", _("Signed-in users")
        SIGNED_OUT = "signed-out", _("Visitors who are not signed in")
        HIDDEN = "hidden", _("Hidden (also hides a built-in item with the same URL)")

    menu = models.CharField(_("menu"), max_length=16, choices=Menu.choices, default=Menu.PRIMARY)
    label = models.CharField(_("label"), max_length=100)
    page = models.ForeignKey(Page, verbose_name=_("page"), on_delete=models.PROTECT, null=True, blank=True,
                             related_name="menu_items",
                             help_text=_("The page it leads to (shown only while the page is published)..."))
    url = models.CharField(_("URL"), max_length=500, blank=True,
                           help_text=_("...or a URL: a path of this portal (/catalogue-products) or an http(s) URL."))
    position = models.PositiveIntegerField(_("position"), default=100,
                                           help_text=_("Smaller first. The built-in items are "
                                           "Home 0, Catalogue 10, Dashboard 800, My apps 810, My organisation 900."))
    parent = models.ForeignKey("self", verbose_name=_("parent"), on_delete=models.CASCADE, null=True, blank=True,
                               related_name="children",
                               help_text=_("Makes this item a child of a top-level item of the same menu."))
    visibility = models.CharField(_("visibility"), max_length=16, choices=Visibility.choices, default=Visibility.ALWAYS)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name_plural = _("menu items")
        ordering = ["menu", "position", "id"]
        indexes = [models.Index(fields=["menu", "position", "id"], name="menuitem_list_order")]
        verbose_name = _("menu item")
        constraints = [
            models.CheckConstraint(condition=(Q(page__isnull=False) & Q(url="")) | (Q(page__isnull=True) & ~Q(url="")),
                                   name="menu_item_page_or_url"),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.get_menu_display()})"
