"""The Jinja2 environment theme templates run in. Templates are uploaded by admins and are treated
as untrusted code: they run in Jinja2's ImmutableSandboxedEnvironment (no underscore attributes,
no mutation of lists and dicts, sandboxed str.format), with autoescaping, and with limits on the
ways a short template can ask for a lot of memory or time (large ranges, string repetition,
padding widths, huge powers). Unsafe attribute access is an error, not an empty string, so that
validation reports it with its file and line.
"""

import re
import string
import time
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from typing import Any

import markdown as markdown_lib
import nh3
from jinja2 import BaseLoader, Undefined
from jinja2.exceptions import SecurityError
from jinja2.filters import do_center, do_format, do_indent, do_join, do_replace, do_slice
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

MAX_RANGE = 10_000  # items in one range()
MAX_ITEMS = 100_000  # range() items in one render
MAX_SEQUENCE = 1_000_000  # characters or items a repetition, join or replace may produce
MAX_WIDTH = 1_000  # padding width in format strings and padding methods
MAX_INT_BITS = 65_536
MAX_OUTPUT = 5 * 1024 * 1024  # characters a page may have
MAX_SECONDS = 5.0
MAX_MARKDOWN = 500_000

# Tags and attributes Markdown content keeps (the rest is removed, with its scripts and handlers).
MARKDOWN_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em", "h1", "h2", "h3", "h4",
    "h5", "h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre", "s", "span", "strong", "sub", "sup", "table",
    "tbody", "td", "th", "thead", "tr", "ul",
}
MARKDOWN_ATTRIBUTES = {
    "a": {"href", "title"}, "img": {"src", "alt", "title", "width", "height"}, "td": {"align"},
    "th": {"align"}, "code": {"class"}, "div": {"class"}, "span": {"class"}, "abbr": {"title"},
    "h1": {"id"}, "h2": {"id"}, "h3": {"id"}, "h4": {"id"}, "h5": {"id"}, "h6": {"id"},
}


class RenderLimit(SecurityError):
    """A template asked for more than a page may use."""


class _Budget:
    def __init__(self) -> None:
        self.items = MAX_ITEMS
        self.deadline = time.monotonic() + MAX_SECONDS

    def spend(self, items: int) -> None:
        self.items -= items
        if self.items < 0:
            raise RenderLimit(f"the template asked for more than {MAX_ITEMS} range() items in one page")
        if time.monotonic() > self.deadline:
            raise RenderLimit(f"the template took more than {MAX_SECONDS:g} seconds")


_budget: ContextVar[_Budget | None] = ContextVar("forecourt_theme_budget", default=None)


def start_budget() -> Any:
    """Give the render that starts now its own budget; pass the result to `end_budget`."""
    return _budget.set(_Budget())


def end_budget(token: Any) -> None:
    _budget.reset(token)


def check_deadline() -> None:
    budget = _budget.get()
    if budget is not None:
        budget.spend(0)


def safe_range(*args: int) -> range:
    rng = range(*args)
    if len(rng) > MAX_RANGE:
        raise RenderLimit(f"range() is limited to {MAX_RANGE} items")
    budget = _budget.get()
    if budget is not None:
        budget.spend(len(rng))
    return rng


_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[#0 +-]*(\*|\d+)?(?:\.(\*|\d+))?")


def check_percent_format(fmt: str) -> None:
    for match in _PERCENT_SPEC.finditer(fmt):
        for part in match.groups():
            if part == "*" or (part and int(part) > MAX_WIDTH):
                raise RenderLimit(f"format widths are limited to {MAX_WIDTH}")


def check_brace_format(fmt: str, depth: int = 0) -> None:
    try:
        parsed = list(string.Formatter().parse(fmt))
    except ValueError as exc:
        raise SecurityError(f"bad format string: {exc}") from None
    for _literal, _field, spec, _conversion in parsed:
        if not spec:
            continue
        if "{" in spec or depth > 1:
            raise SecurityError("nested format specifications are not allowed")
        if any(int(n) > MAX_WIDTH for n in re.findall(r"\d+", spec)):
            raise RenderLimit(f"format widths are limited to {MAX_WIDTH}")


def _length(value: Any) -> int:
    try:
        return len(value)
    except TypeError:
        return 0


def _check_size(size: int, what: str) -> None:
    if size > MAX_SEQUENCE:
        raise RenderLimit(f"{what} would make more than {MAX_SEQUENCE} characters or items")


_PADDING_METHODS = {"ljust", "rjust", "center", "zfill", "expandtabs"}


def markdown(text: Any) -> Markup:
    """Markdown to HTML, sanitised with nh3: content blocks are written by admins, shown to everyone."""
    if text is None or isinstance(text, Undefined):
        return Markup("")
    text = str(text)
    if len(text) > MAX_MARKDOWN:
        raise RenderLimit(f"Markdown content is limited to {MAX_MARKDOWN} characters")
    html = markdown_lib.markdown(text, extensions=["fenced_code", "tables", "sane_lists"])
    clean = nh3.clean(html, tags=MARKDOWN_TAGS, attributes=MARKDOWN_ATTRIBUTES,
                      url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer")
    return Markup(clean)  # noqa: S704 - sanitised by nh3 just above


def _center(value: str, width: int = 80) -> str:
    if width > MAX_WIDTH:
        raise RenderLimit(f"center() widths are limited to {MAX_WIDTH}")
    return do_center(value, width)


def _indent(value: str, width: int | str = 4, first: bool = False, blank: bool = False) -> str:
    if (isinstance(width, int) and width > MAX_WIDTH) or (isinstance(width, str) and len(width) > MAX_WIDTH):
        raise RenderLimit(f"indent() widths are limited to {MAX_WIDTH}")
    _check_size(_length(value) * (len(width) if isinstance(width, str) else int(width)), "indent()")
    return do_indent(value, width, first, blank)


def _format(value: str, *args: Any, **kwargs: Any) -> str:
    check_percent_format(str(value))
    return do_format(value, *args, **kwargs)


def _slice(value: Iterable[Any], slices: int, fill_with: Any = None) -> Any:
    if slices > MAX_RANGE:
        raise RenderLimit(f"slice() is limited to {MAX_RANGE} slices")
    return do_slice(value, slices, fill_with)


def _replace(eval_ctx: Any, s: str, old: str, new: str, count: int | None = None) -> str:
    _check_size(_length(s) * max(1, _length(new)), "replace()")
    return do_replace(eval_ctx, s, old, new, count)


def _join(eval_ctx: Any, value: Iterable[Any], d: str = "", attribute: Any = None) -> str:
    items = list(value)
    _check_size(len(items) * max(1, _length(d)) + sum(_length(i) for i in items if isinstance(i, str)), "join()")
    return do_join(eval_ctx, items, d, attribute)


_replace.jinja_pass_arg = _join.jinja_pass_arg = do_replace.jinja_pass_arg  # type: ignore[attr-defined]

REMOVED_GLOBALS = ("lipsum",)


class PortalSandbox(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**", "%"})

    def __init__(self, loader: BaseLoader, **kwargs: Any) -> None:
        super().__init__(
            loader=loader,
            autoescape=lambda name: name is None or not name.endswith(".txt"),
            extensions=["jinja2.ext.loopcontrols"],
            cache_size=400,
            **kwargs,
        )
        for name in REMOVED_GLOBALS:
            self.globals.pop(name, None)
        self.globals["range"] = safe_range
        self.filters.update({"markdown": markdown, "center": _center, "indent": _indent, "format": _format,
                             "slice": _slice, "replace": _replace, "join": _join})

    def unsafe_undefined(self, obj: Any, attribute: str) -> Undefined:
        raise SecurityError(f"access to attribute {attribute!r} of {type(obj).__name__!r} object is unsafe")

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            if isinstance(left, int) and isinstance(right, int) and not isinstance(right, bool):
                if right > 0 and max(left.bit_length(), 1) * right > MAX_INT_BITS:
                    raise RenderLimit("the result of ** would be too large")
            elif isinstance(right, (int, float)) and abs(right) > 1024:
                raise RenderLimit("exponents are limited to 1024")
        elif operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(times, int):
                    _check_size(len(seq) * times, "repetition")
            if isinstance(left, int) and isinstance(right, int) and \
                    left.bit_length() + right.bit_length() > MAX_INT_BITS:
                raise RenderLimit("the result of * would be too large")
        elif operator == "%" and isinstance(left, str):
            check_percent_format(left)
        return super().call_binop(context, operator, left, right)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        wrapper = super().wrap_str_format(value)
        if wrapper is None:
            return None
        check_brace_format(str(value.__self__))
        return wrapper

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        owner = getattr(__obj, "__self__", None)
        if isinstance(owner, str):
            name = getattr(__obj, "__name__", "")
            if name in _PADDING_METHODS and any(isinstance(a, int) and a > MAX_WIDTH for a in args):
                raise RenderLimit(f"{name}() widths are limited to {MAX_WIDTH}")
            if name == "replace" and len(args) >= 2:
                _check_size(len(owner) * max(1, _length(args[1])), "replace()")
            if name == "join" and args:
                items = list(args[0])
                _check_size(len(items) * max(1, len(owner)), "join()")
                args = (items, *args[1:])
        check_deadline()
        return super().call(__context, __obj, *args, **kwargs)
