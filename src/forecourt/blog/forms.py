"""The forms of posts and categories, shared by the Admin Portal and the Admin API
(forecourt.api.forms saves through them), so both apply the same rules."""

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext as _

from forecourt.catalog.models import Tag
from forecourt.i18n.content_forms import TranslatableForm

from . import services
from .models import Category, Post

if TYPE_CHECKING:  # generic in django-stubs only: at run time ModelForm takes no type argument
    ModelForm = forms.ModelForm[Any]
else:
    ModelForm = forms.ModelForm


class CategoryForm(TranslatableForm, ModelForm):
    class Meta:
        model = Category
        fields = ["name", "translations"]

    def clean_name(self) -> str:
        return services.check_category_name(self.cleaned_data.get("name", ""), self.instance)

    def validate_unique(self) -> None:  # clean_name() says it in words; the index stays as the last guard
        pass


class PostForm(TranslatableForm, ModelForm):
    class Meta:
        model = Post
        fields = ["title", "path", "lede", "content", "author_name", "status", "published_at", "categories", "tags",
                  "translations"]
        widgets = {"content": forms.Textarea(attrs={"rows": 16}), "lede": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tags"].help_text = _("The catalogue's tags: /blog?tag=NAME lists the posts that have one.")
        tags = self.fields["tags"]
        assert isinstance(tags, forms.ModelMultipleChoiceField)
        tags.queryset = Tag.objects.order_by("folded", "pk")
        for name in ("categories", "tags"):
            field = self.fields[name]
            field.error_messages["invalid_choice"] = _("There is no %(value)s: give the ID of an existing one.")

    def clean_title(self) -> str:
        title = (self.cleaned_data.get("title") or "").strip()
        if not title:
            raise forms.ValidationError(_("A post needs a title."))
        return title

    def clean_published_at(self) -> datetime:
        """To the minute: that is how both admin interfaces show it (Tyk's "YYYY-MM-DD hh:mm"), so a date
        read and sent back unchanged is the same date."""
        value: datetime | None = self.cleaned_data.get("published_at")
        if value is None:
            raise forms.ValidationError(_("A post needs a publish date."))
        return value.replace(second=0, microsecond=0)

    def clean_path(self) -> str:
        return services.check_path(self.cleaned_data.get("path", ""), self.instance)

    def validate_unique(self) -> None:  # clean_path() says it in words; the index stays as the last guard
        pass
