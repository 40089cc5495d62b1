"""A user's own language and time zone, as both portals' account pages edit them: the language among
those the portal offers (or none: the switcher's cookie, the browser, the portal's default decide),
the time zone among the IANA database's (or none: UTC)."""

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from forecourt.accounts.models import User
from forecourt.i18n import languages, negotiation, zones

if TYPE_CHECKING:  # generic in django-stubs only: at run time ModelForm takes no type argument
    ModelForm = forms.ModelForm[User]
else:
    ModelForm = forms.ModelForm

NO_LANGUAGE = _("No preference (your browser's, else the portal's default)")


def add_fields(form: forms.BaseForm) -> None:
    """Give a form of a User its `language` and `time_zone` fields, as selects of what may be chosen."""
    offered = [(code, languages.BY_CODE[code].name) for code in negotiation.offer().offered
               if languages.is_shipped(code)]
    form.fields["language"] = forms.ChoiceField(
        label=_("Language"), required=False, choices=[("", NO_LANGUAGE), *offered],
        help_text=_("The language of the portal's pages and of the e-mails it sends you."))
    form.fields["time_zone"] = forms.ChoiceField(
        label=_("Time zone"), required=False, choices=zones.choices(), help_text=_("Dates and times are shown in it."))


class PreferencesForm(ModelForm):
    """Only the language and the time zone (the Admin Portal's own profile page)."""

    class Meta:
        model = User
        fields = ["language", "time_zone"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        add_fields(self)
