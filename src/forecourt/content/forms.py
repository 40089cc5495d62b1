"""Forms for pages, content blocks and menu items: the Admin Portal's, and the Admin API's
(forecourt.api.forms saves through them), so both apply the same rules."""

from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

from forecourt.i18n.content_forms import TranslatableForm

from . import rules
from .models import ContentBlock, MenuItem, Page

if TYPE_CHECKING:  # generic in django-stubs only: at run time ModelForm takes no type argument
    ModelForm = forms.ModelForm[Any]
else:
    ModelForm = forms.ModelForm


class PageForm(TranslatableForm, ModelForm):
    class Meta:
        model = Page
        fields = ["title", "path", "template", "status", "translations"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template"].help_text = _(
            "A view of the active theme: %(views)s. Its content blocks are under Content blocks."
        ) % {"views": ", ".join(rules.available_templates())}

    def clean_path(self) -> str:
        path = rules.check_path(self.cleaned_data.get("path", ""))
        if Page.objects.filter(path=path).exclude(pk=self.instance.pk).exists():
            raise ValidationError(_("Another page is at %(path)s already.") % {"path": path})
        return path

    def clean_template(self) -> str:
        return rules.check_template(self.cleaned_data.get("template", ""))


class ContentBlockForm(TranslatableForm, ModelForm):
    class Meta:
        model = ContentBlock
        fields = ["page", "name", "position", "content", "translations"]
        widgets = {"content": forms.Textarea(attrs={"rows": 12})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:  # a block does not move between pages
            self.fields["page"].disabled = True

    def clean_name(self) -> str:
        return rules.check_block_name(self.cleaned_data.get("name", ""))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        page, name = data.get("page"), data.get("name")
        # Names differ by more than case (MySQL compares them without case, and templates would be confusing).
        if page is not None and name and ContentBlock.objects.filter(page=page, name__iexact=name).exclude(
                pk=self.instance.pk).exists():
            self.add_error("name", _("The page has a block called %(name)s already.") % {"name": name})
        return data

    def validate_unique(self) -> None:  # clean() says it in words; the constraint stays as the last guard
        pass


_http_url = URLValidator(schemes=["http", "https"])


def check_url(raw: str) -> str:
    """A menu item's URL: a path of this portal ("/catalogue-products?tag=x") or an http(s) URL."""
    url = (raw or "").strip()
    if any(c.isspace() or ord(c) < 32 or c == "\\" for c in url):
        raise ValidationError(_("A URL has no spaces, backslashes or control characters."))
    if url.startswith("/") and not url.startswith("//"):
        return url
    try:
        _http_url(url)
    except ValidationError:
        raise ValidationError(
            _("Give a path of this portal (starting with /) or an http:// or https:// URL.")) from None
    return url


class MenuItemForm(TranslatableForm, ModelForm):
    class Meta:
        model = MenuItem
        fields = ["menu", "label", "page", "url", "position", "parent", "visibility", "translations"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        parent = self.fields["parent"]
        assert isinstance(parent, forms.ModelChoiceField)
        parent.queryset = MenuItem.objects.filter(parent__isnull=True).exclude(pk=self.instance.pk)
        parent.error_messages["invalid_choice"] = _("Choose a top-level item: menus have one level of children.")

    def clean_url(self) -> str:
        url = self.cleaned_data.get("url") or ""
        return check_url(url) if url.strip() else ""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        page, url = data.get("page"), data.get("url")
        if "url" in data and "page" in data:
            if page is not None and url:
                self.add_error("url", _("Give a page or a URL, not both."))
            elif page is None and not url:
                self.add_error("page", _("Choose the page the item leads to, or give a URL."))
        parent = data.get("parent")
        if parent is not None:
            if parent.parent_id is not None:
                self.add_error("parent", _("Menus have one level of children: choose a top-level item."))
            elif data.get("menu") and parent.menu != data["menu"]:
                self.add_error("parent", _("The parent item is in another menu."))
            elif self.instance.pk and self.instance.children.exists():
                self.add_error("parent", _("This item has children of its own, so it stays at the top level."))
        return data
