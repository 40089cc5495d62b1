"""What a theme template sees. Everything is plain data (dicts, lists, strings, numbers, dates)
or one of a few helper functions: never a model instance, the request or the settings, so a
template cannot walk from what it is given to a password hash, the database or a secret.
The contract is documented in docs/themes.md."""

import dataclasses
import datetime
import decimal
from collections.abc import Callable
from typing import Any

from django.contrib import messages as django_messages
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.templatetags.static import static
from django.urls import reverse
from markupsafe import Markup, escape

import forecourt
from forecourt.i18n import switcher
from forecourt.portalconfig.models import PortalSettings

from . import menus
from .sources import ThemeSource
from .urls_names import reverse_live

_SCALARS = (str, int, float, bool, type(None), datetime.date, datetime.time, decimal.Decimal)
MAX_DEPTH = 20


class JSONDict(dict[str, Any]):
    """A dict decoded from JSON text (see `decoded_json`)."""

    identity: str | None = None


class JSONList(list[Any]):
    """A list decoded from JSON text (see `decoded_json`)."""

    identity: str | None = None


def decoded_json(value: Any, identity: str | None = None) -> Any:
    """Mark `value`, which json.loads() returned, as plain data all the way down (dicts with string
    keys, lists, strings, numbers, booleans, None), so that plain() passes it without walking it:
    a signed-in catalogue page's cached data has hundreds of values, and walking them cost a fifth
    of the page. Only for what json.loads() made; anything else must go through plain().

    `identity`, when given, names this exact value (a cache key it was read under, and its place in
    it): fragment() then keys on it instead of encoding the value again."""
    if type(value) is dict:
        marked: JSONDict | JSONList = JSONDict(value)
    elif type(value) is list:
        marked = JSONList(value)
    else:
        return value
    marked.identity = identity
    return marked


def plain(value: Any, depth: int = 0) -> Any:
    """A copy of `value` made only of plain data; TypeError for anything else (a model instance,
    a queryset, a request...). Dataclass instances become dicts. What `decoded_json` marked is
    plain by construction and passed as it is."""
    if type(value) is JSONDict or type(value) is JSONList:
        return value
    if depth > MAX_DEPTH:
        raise TypeError("theme context nested too deeply")
    if isinstance(value, Markup):
        return value
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"theme context keys must be strings, not {type(key).__name__}")
            out[key] = plain(item, depth + 1)
        return out
    if isinstance(value, (list, tuple)):
        return [plain(item, depth + 1) for item in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name), depth + 1) for f in dataclasses.fields(value)}
    if callable(value) and getattr(value, "theme_helper", False):
        return value
    raise TypeError(f"theme templates get plain data only, not {type(value).__module__}.{type(value).__name__}")


def helper(func: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a function as one templates may call (the only callables plain() lets through)."""
    func.theme_helper = True  # type: ignore[attr-defined]
    return func


def user_data(user: Any) -> dict[str, Any] | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    organisation = user.organisation if user.organisation_id else None
    return {
        "id": user.pk,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "name": (f"{user.first_name} {user.last_name}".strip() or user.email),
        "role": user.role,
        "is_admin": bool(user.is_admin),
        "organisation": {"id": organisation.pk, "name": organisation.name} if organisation else None,
    }


def messages_data(request: HttpRequest) -> list[dict[str, str]]:
    if not hasattr(request, "_messages"):
        return []
    return [{"level": m.level_tag or "info", "text": str(m.message)} for m in django_messages.get_messages(request)]


def url_helper() -> Callable[..., str]:
    @helper
    def url(name: str, *args: Any, **kwargs: Any) -> str:
        return reverse_live(name, *args, **kwargs)

    return url


def asset_helper(source: ThemeSource) -> Callable[[str], str]:
    revision = source.revision[:12]

    @helper
    def asset(path: str) -> str:
        path = str(path).lstrip("/")
        return f"{reverse_live('asset', path=path)}?v={revision}"

    return asset


def csrf_helpers(request: HttpRequest | None) -> dict[str, Callable[[], Any]]:
    @helper
    def csrf_token() -> str:
        return get_token(request) if request is not None else "sample-csrf-token"

    @helper
    def csrf_input() -> Markup:
        return Markup('<input type="hidden" name="csrfmiddlewaretoken" value="%s">') % escape(csrf_token())

    return {"csrf_token": csrf_token, "csrf_input": csrf_input}


def csp_nonce(request: HttpRequest) -> str:
    """This response's Content-Security-Policy nonce (django-csp makes a fresh one per request, and
    puts it in the policy once it is read): a theme's inline <script nonce="{{ csp_nonce }}"> runs,
    an injected one without it does not. "" outside a request (validation's sample renders)."""
    nonce = getattr(request, "csp_nonce", None)
    return str(nonce) if nonce is not None else ""


def scripts() -> dict[str, str]:
    """The portal's scripts a theme may load (live/static/live/vendor/README.md): `htmx`; `chart`
    (Chart.js) and `usage_chart`, the portal's own starter that draws a usage page's chart from its
    data block (live/static/live/usage-chart.js)."""
    return {"htmx": static("live/vendor/htmx/htmx.min.js"), "chart": static("live/vendor/chart/chart.umd.min.js"),
            "usage_chart": static("live/usage-chart.js")}


def language_data() -> dict[str, Any]:
    """The page's language and the switcher's choices (docs/themes.md, "Every page")."""
    return {**switcher.data(), "switch_url": reverse("choose_language")}


def base(request: HttpRequest, source: ThemeSource, preview: bool) -> dict[str, Any]:
    """The variables every Live Portal page has (docs/themes.md, "Every page")."""
    user = user_data(getattr(request, "user", None))
    preview_data = None
    if preview:
        preview_data = {"theme": source.name, "exit_url": reverse("themes:preview_exit")}
    return {
        "portal": {"version": forecourt.__version__, "theme": {"name": source.name, "version": source.manifest.version},
                   "preview": preview_data, "sign_up": PortalSettings.sign_up_allowed()},
        "user": user,
        "menus": menus.for_page(request.path, user is not None),
        "messages": messages_data(request),
        "request_path": request.path,
        "language": language_data(),
        "url": url_helper(),
        "asset": asset_helper(source),
        "csp_nonce": csp_nonce(request),
        "scripts": scripts(),
        **csrf_helpers(request),
    }
