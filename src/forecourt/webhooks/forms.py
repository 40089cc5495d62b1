"""The webhook endpoint form, shared by the Admin Portal and the Admin API."""

import json
import re
from typing import TYPE_CHECKING, Any

from django import forms

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


class HeadersField(forms.Field):
    """A JSON object of header names to string values (a dict from the API)."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dict):
            return json.dumps(value)
        return value

    def to_python(self, value: Any) -> dict[str, str]:
        if value in (None, "", {}):
            return {}
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise forms.ValidationError('Enter a JSON object, e.g. {"Authorization": "Bearer ..."}.') from None
        if not isinstance(value, dict):
            raise forms.ValidationError("Enter a JSON object of header names and values.")
        if len(value) > MAX_HEADERS:
            raise forms.ValidationError(f"At most {MAX_HEADERS} headers.")
        headers: dict[str, str] = {}
        for name, text in value.items():
            if not isinstance(name, str) or not HEADER_NAME.match(name):
                raise forms.ValidationError(f"Not a valid header name: {name!r}.")
            if reserved_header(name):
                raise forms.ValidationError(f"The portal sets {name} itself.")
            if not isinstance(text, str) or len(text) > 1000 or any(c in text for c in "\r\n\0"):
                raise forms.ValidationError(f"The value of {name} must be text of at most 1000 characters "
                                            "on one line.")
            headers[name] = text
        return headers


class EventsField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=[(name, name) for name in EVENTS], **kwargs)


class WebhookForm(ModelForm):
    url = forms.CharField(label="URL", max_length=500,
                          help_text="http(s); private and loopback addresses are refused unless the operator "
                                    "allows them (Webhooks.AllowPrivateTargets).")
    headers = HeadersField(required=False, help_text='Extra headers as JSON, e.g. {"Authorization": "Bearer x"}.')
    timeout = forms.IntegerField(label="Timeout (seconds)", min_value=1, max_value=30, initial=10)
    events = EventsField(required=False, help_text="The events sent to this URL.")

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
