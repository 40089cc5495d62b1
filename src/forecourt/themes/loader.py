"""Loading templates for a theme: from the theme itself, falling back to the default theme for the
templates it lacks; and the per-process cache of environments (compiled templates and the theme's
compiled message catalogues), keyed by theme and revision so that an upload on any replica is picked
up by all of them."""

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable

from jinja2 import BaseLoader, Environment, TemplateNotFound

from . import catalogues, paths
from .sandbox import PortalSandbox
from .sources import ThemeSource

log = logging.getLogger("forecourt.themes")

FILE_PREFIX = "theme:"  # template file names in tracebacks: "theme:<theme>:<path>"
CACHE_SIZE = 8


class ThemeLoader(BaseLoader):
    """Looks a template up in each source in turn. Names are checked first: only clean relative
    paths under layouts/, views/, partials/ or mailers/ are loaded, so `{% include '/etc/passwd' %}`
    or `'../../settings.py'` is simply not found."""

    def __init__(self, sources: list[ThemeSource]) -> None:
        self.sources = sources

    def get_source(self, environment: Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        try:
            path = paths.template_name(template)
        except paths.BadPath:
            raise TemplateNotFound(template) from None
        for source in self.sources:
            text = source.template(path)
            if text is not None:
                return text, f"{FILE_PREFIX}{source.name}:{path}", lambda: True
        raise TemplateNotFound(template)

    def list_templates(self) -> list[str]:
        found: set[str] = set()
        for source in self.sources:
            found.update(p for p in source.paths() if paths.is_template(p))
        return sorted(found)


_lock = threading.Lock()
_cache: "OrderedDict[tuple[str, str, str, str], PortalSandbox]" = OrderedDict()


def environment(source: ThemeSource, fallback: ThemeSource | None) -> PortalSandbox:
    """The sandboxed environment for `source` (with `fallback` behind it), cached per revision."""
    key = (source.kind, source.name, source.revision, fallback.revision if fallback else "")
    with _lock:
        env = _cache.get(key)
        if env is not None:
            _cache.move_to_end(key)
            return env
    sources = [source] if fallback is None or fallback is source else [source, fallback]
    # The theme's catalogues are compiled here, once per revision and outside any render's time budget.
    loaded = catalogues.load(source)
    for problem in loaded.problems:  # an upload was checked; a folder theme's file may not be
        log.error("theme %s: %s%s: %s; this catalogue is not used", source.name, problem.file,
                  f":{problem.line}" if problem.line else "", problem.message)
    env = PortalSandbox(ThemeLoader(sources), translations=loaded.translations)
    env.revision_key = "/".join(key)  # what a rendered fragment of it is kept under (themes/fragments.py)
    with _lock:
        _cache[key] = env
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return env


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def locate(exc: BaseException) -> tuple[str, str, int | None]:
    """(theme, file, line) of the template code an exception came from, as far as it is known."""
    lineno = getattr(exc, "lineno", None)
    filename = getattr(exc, "filename", None)
    if isinstance(filename, str) and filename.startswith(FILE_PREFIX):
        theme, _, path = filename[len(FILE_PREFIX):].partition(":")
        return theme, path, lineno
    found: tuple[str, str, int | None] = ("", "", None)
    tb = exc.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name.startswith(FILE_PREFIX):
            theme, _, path = name[len(FILE_PREFIX):].partition(":")
            found = (theme, path, tb.tb_lineno)
        tb = tb.tb_next
    return found
