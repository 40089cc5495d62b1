"""Forms of the developer pages. Templates get them as plain data (live.account.forms.form_data)."""

from typing import Any

from django import forms

from forecourt.access.models import App

from .data import VISIBILITY_HELP

MAX_REDIRECT_URLS = 20


class AppForm(forms.ModelForm):
    """An app's own fields; its owner, organisation and team are set by the view, never posted."""

    class Meta:
        model = App
        fields = ["name", "description", "redirect_urls", "visibility"]
        labels = {"redirect_urls": "Redirect URLs"}
        help_texts = {"redirect_urls": "For OAuth 2.0 clients: one URL per line (the first is the one used).",
                      "visibility": " ".join(f"{App.Visibility(v).name.title()}: {text}"
                                             for v, text in VISIBILITY_HELP.items())}
        widgets = {"description": forms.Textarea(attrs={"rows": 3}),
                   "redirect_urls": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        visibility = self.fields["visibility"]
        assert isinstance(visibility, forms.TypedChoiceField)
        visibility.choices = [(v, label.split(":")[0]) for v, label in App.Visibility.choices]
        self.fields["description"].required = False
        self.fields["redirect_urls"].required = False

    def clean_name(self) -> str:
        name = (self.cleaned_data.get("name") or "").strip()
        if not name:
            raise forms.ValidationError("Give the app a name.")
        return name

    def clean_redirect_urls(self) -> str:
        validate = forms.URLField(assume_scheme="https").clean
        lines = [line.strip() for line in (self.cleaned_data.get("redirect_urls") or "").splitlines() if line.strip()]
        if len(lines) > MAX_REDIRECT_URLS:
            raise forms.ValidationError(f"At most {MAX_REDIRECT_URLS} redirect URLs.")
        urls = []
        for line in lines:
            try:
                url = validate(line)
            except forms.ValidationError:
                raise forms.ValidationError(f"Not a valid URL: {line[:100]}") from None
            if not url.lower().startswith(("https://", "http://")):
                raise forms.ValidationError(f"Only http and https URLs: {line[:100]}")
            urls.append(url)
        return "\n".join(urls)
