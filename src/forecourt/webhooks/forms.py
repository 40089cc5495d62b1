"""The webhook endpoint form, shared by the Admin Portal and the Admin API."""

import json
import re
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import targets
from .events import EVENTS
from .models import Webhook

if TYPE_CHECKING:  # generic in django-stubs only: at run time ModelForm takes no type argument
    ModelForm = forms.ModelForm[Any]
else:
    ModelForm = forms.ModelForm

HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$")  # an HTTP token
# Set by the portal itself, or would change how the request is framed.
RESERVED = {"host", "content-type", "content-length", "transfer-encoding", "connection", "user-agent",
            "te", "upgrade", "expect", "keep-alive", "proxy-connection", "trailer"}
MAX_HEADERS = 20


def reserved_header(name: str) -> bool:
    """Headers the portal sets itself (framing, Host, the signature): an endpoint may not set them."""
    return name.lower() in RESERVED or name.lower().startswith("x-forecourt-")


def check_header(name: Any, value: Any) -> str:
    """Why a header cannot be set ("" if it can): a token name the portal does not set itself, and
    a value of one line. The value is never part of the message (it may be a secret)."""
    if not isinstance(name, str) or not name:
        return gettext("A header needs a name.")
    if not HEADER_NAME.match(name):
        return gettext("Not a valid header name: %(name)s.") % {"name": repr(name[:100])}
    if reserved_header(name):
        return gettext("The portal sets %(name)s itself.") % {"name": name}
    if not isinstance(value, str) or len(value) > 1000 or any(c in value for c in "\r\n\0"):
        return gettext("The value of %(name)s must be text of at most 1000 characters on one line.") % {"name": name}
    return ""


def header_pairs(value: Any) -> list[tuple[Any, Any]]:
    """(name, value) pairs from a JSON object of names to values, or from a list of header objects
    as Tyk writes them ({"Name": ..., "Value": ...}; an "ID" in them is ignored)."""
    if isinstance(value, dict):
        return list(value.items())
    if isinstance(value, list):
        pairs: list[tuple[Any, Any]] = []
        for item in value:
            if not isinstance(item, dict) or set(item) - {"ID", "Name", "Value"}:
                raise forms.ValidationError(_('Each header is an object {"Name": ..., "Value": ...}.'))
            pairs.append((item.get("Name"), item.get("Value", "")))
        return pairs
    raise forms.ValidationError(_("Enter a JSON object of header names and values."))


def clean_headers(value: Any) -> dict[str, str]:
    """Headers as stored: names to values, every one checked, no name twice (in any case)."""
    pairs = header_pairs(value)
    if len(pairs) > MAX_HEADERS:
        raise forms.ValidationError(gettext("At most %(count)s headers.") % {"count": MAX_HEADERS})
    headers: dict[str, str] = {}
    seen: set[str] = set()
    for name, text in pairs:
        problem = check_header(name, text)
        if problem:
            raise forms.ValidationError(problem)
        if name.lower() in seen:
            raise forms.ValidationError(gettext("%(name)s is given twice.") % {"name": name})
        seen.add(name.lower())
        headers[name] = text
    return headers


class HeadersField(forms.Field):
    """A JSON object of header names to string values (from the API: an object, or Tyk's list of
    header objects)."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dict):
            return json.dumps(value)
        return value

    def to_python(self, value: Any) -> dict[str, str]:
        if value in (None, "", {}, []):
            return {}
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise forms.ValidationError(
                    _('Enter a JSON object, e.g. {"Authorization": "Bearer ..."}.')) from None
        return clean_headers(value)


class EventsField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=[(name, name) for name in EVENTS], **kwargs)


class WebhookForm(ModelForm):
    url = forms.CharField(label=_("URL"), max_length=500,
                          help_text=_("http(s); private and loopback addresses are refused unless the operator "
                                      "allows them (Webhooks.AllowPrivateTargets)."))
    headers = HeadersField(label=_("Headers"), required=False,
                           help_text=_('Extra headers as JSON, e.g. {"Authorization": "Bearer x"}.'))
    timeout = forms.IntegerField(label=_("Timeout (seconds)"), min_value=1, max_value=30, initial=10)
    events = EventsField(label=_("Events"), required=False, help_text=_("The events sent to this URL."))

    class Meta:
        model = Webhook
        fields = ["name", "url", "method", "headers", "timeout", "events", "enabled"]

    def clean_url(self) -> str:
        url = (self.cleaned_data.get("url") or "").strip()
        try:
            targets.check(url)
        except targets.Refused as exc:
            raise forms.ValidationError(str(exc)) from None
        return url
