"""Rendering Live Portal pages and e-mails with the active theme.

A theme that breaks at run time never takes the portal down: the page is rendered again with
the default theme's template, the error is logged at ERROR with its file and line, and the
Admin Portal shows it in a banner. An active theme that cannot be loaded at all (deleted from
its folder, corrupt) is replaced by the default theme, with a WARNING and the same banner.
"""

import logging
import re
import threading
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse

import forecourt

from . import loader, problems, storage, view_data
from .context import base, plain
from .fragments import fragment_helper
from .manifest import BadManifest
from .sandbox import MAX_OUTPUT, PortalSandbox, RenderLimit, end_budget, start_budget
from .sources import DEFAULT, ThemeSource

log = logging.getLogger("forecourt.themes")

DEFAULT_LAYOUT = "layouts/site_layout.html"
PREVIEW_SESSION_KEY = "forecourt.theme_preview"
_MAIL_NAME = re.compile(r"[a-z0-9_]{1,64}")


@dataclass(frozen=True)
class Selected:
    source: ThemeSource
    preview: bool = False


_warned_lock = threading.Lock()
_warned: set[tuple[str, str]] = set()


def _fallback(name: str, reason: str, preview: bool) -> ThemeSource:
    message = f"the theme {name!r} cannot be used ({reason}); the Live Portal uses the default theme"
    with _warned_lock:
        first = (name, reason) not in _warned
        _warned.add((name, reason))
    if first:
        log.warning(message)
    if not preview:
        problems.record(name, message)
    return storage.bundled()


def load(name: str, preview: bool = False) -> ThemeSource:
    """The theme called `name`, or the default theme (saying so) if it cannot be loaded."""
    try:
        source = storage.source(name)
    except BadManifest as exc:
        return _fallback(name, f"its theme.json is invalid: {exc}", preview)
    except OSError as exc:
        return _fallback(name, f"it cannot be read: {exc}", preview)
    if source is None:
        return _fallback(name, "there is no theme of that name", preview)
    return source


def check_active() -> str:
    """At start-up: load the active theme once, so a missing or corrupt one is reported (WARNING and
    the Admin Portal's banner, by `load`) before the first page, not at it. The name in use."""
    name = storage.configured_active()
    source = load(name)
    if source is storage.bundled() and name != DEFAULT:
        return DEFAULT
    log.info("the Live Portal uses the theme %s %s", source.name, source.manifest.version)
    return source.name


def select(request: HttpRequest | None) -> Selected:
    """The theme for this request: the one an admin previews (admins only), else the active one."""
    if request is not None:
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        previewed = session.get(PREVIEW_SESSION_KEY) if session is not None else None
        if previewed and user is not None and user.is_authenticated and getattr(user, "is_admin", False):
            return Selected(load(str(previewed), preview=True), preview=True)
    return Selected(load(storage.configured_active()))


def environment_for(source: ThemeSource) -> PortalSandbox:
    default = storage.bundled()
    return loader.environment(source, None if source is default else default)


def layout_for(source: ThemeSource, view: str) -> str:
    return (source.manifest.layout_for(view) or storage.bundled().manifest.layout_for(view)
            or DEFAULT_LAYOUT)


def render_template(env: PortalSandbox, name: str, data: dict[str, Any]) -> str:
    """Render `name` within the sandbox's limits (range items, time, output size)."""
    token = start_budget()
    try:
        template = env.get_template(name)
        out: list[str] = []
        size = 0
        for chunk in template.generate({**data, "fragment": fragment_helper(env, data)}):
            size += len(chunk)
            if size > MAX_OUTPUT:
                raise RenderLimit(f"the page is larger than {MAX_OUTPUT} characters")
            out.append(chunk)
        return "".join(out)
    finally:
        end_budget(token)


def describe(exc: BaseException, template: str) -> tuple[str, str, int | None, str]:
    """(theme, file, line, "file, line N: Error: message") for a template error."""
    theme, path, line = loader.locate(exc)
    path = path or template
    where = f"{path}, line {line}" if line else path
    return theme, path, line, f"{where}: {type(exc).__name__}: {exc}"


def _render_safely(source: ThemeSource, template: str, data: dict[str, Any], preview: bool) -> str:
    default = storage.bundled()
    try:
        return render_template(environment_for(source), template, {**data, "layout": data.get("layout")
                                                                       or layout_for(source, template)})
    except Exception as exc:
        if source is default:
            raise
        _theme, path, line, message = describe(exc, template)
        log.error("theme %s: rendering %s failed at %s; the default theme's template is used instead",
                  source.name, template, message,
                  extra={"theme": source.name, "template_file": path, "template_line": line})
        if preview:
            data = {**data, "portal": {**data["portal"], "preview": {**data["portal"]["preview"], "error": message}}}
        else:
            problems.record(source.name, message)
    return render_template(environment_for(default), template, {**data, "layout": layout_for(default, template)})


def render(request: HttpRequest, template: str, context: dict[str, Any] | None = None,
           status: int = 200) -> HttpResponse:
    """Render a Live Portal page ("views/home.html") with the active (or previewed) theme.

    `context` is the page's own data (docs/themes.md): plain data only, checked here. The page
    gets it on top of what every page gets (user, menus, messages, helpers).
    """
    selected = select(request)
    own = {**view_data.for_view(request, template), **(context or {})}
    data = {**base(request, selected.source, selected.preview), **plain(own)}
    html = _render_safely(selected.source, template, data, selected.preview)
    response = HttpResponse(html, status=status)
    if selected.preview:
        response["Cache-Control"] = "private, no-store"
    return response


def render_mail(name: str, context: dict[str, Any] | None = None) -> tuple[str, str, str]:
    """(subject, text, html) of the e-mail `name` from the active theme's mailers/ folder:
    mailers/<name>.subject.txt, <name>.txt and <name>.html (falling back to the default theme's)."""
    if not _MAIL_NAME.fullmatch(name):
        raise ValueError(f"not an e-mail template name: {name!r}")
    source = load(storage.configured_active())
    data = {"portal": {"version": _version(), "theme": {"name": source.name, "version": source.manifest.version},
                       "preview": None},
            **plain(context or {})}
    subject, text, html = (_render_safely(source, f"mailers/{name}.{suffix}", {**data, "layout": ""}, False)
                           for suffix in ("subject.txt", "txt", "html"))
    return " ".join(subject.split()), text.strip() + "\n", html


def _version() -> str:
    return forecourt.__version__
