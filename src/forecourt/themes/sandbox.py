"""The Jinja2 environment theme templates run in. Templates are uploaded by admins and are treated
as untrusted code: they run in Jinja2's ImmutableSandboxedEnvironment (no underscore attributes,
no mutation of lists and dicts, sandboxed str.format), with autoescaping, and within a budget of
time, work and memory per render (budget.py). Unsafe attribute access is an error, not an empty
string, so that validation reports it with its file and line.

How the budget is enforced, and why this way. Checking the clock only in calls and `range()` let
a loop that calls nothing run unchecked (nested loops over a long string took minutes), and
watching only `*` let `~` and `+` double a string into the gigabytes. So every way a template can
repeat work or grow data goes through the budget:

- loops: the compiled template wraps every `{% for %}` iterable in `environment.counted()` (a code
  generator hook, `BudgetCodeGenerator.visit_For`), so each item is a step and the clock is read,
  whatever the body does, whether a loop filter drops the item, or the loop is recursive
  (`loop(children)` is a call, and calls to a loop are counted the same way);
- calls (macros, methods, helpers) and templates loaded by include, import or extends are steps;
- growth: `~` is compiled to `environment.joined()`, `+`, `*` and `%` go through `call_binop`, and
  every buffer a macro, block or `{% set %}` block joins goes through `environment.concat`; each
  checks the size before joining where it can, and charges what it made;
- filters are wrapped (bounded_filters.py); those taking a size check it first;
- str methods that take a size (padding, `replace`, `join`, `expandtabs`, `translate`, `format`)
  check it before they run;
- a value printed or joined as text must have a bounded text (`budget.text_size`), since a small
  list holding the same list many times over prints larger than memory.

The other way, rendering in a worker process with CPU and memory limits, would also bound what
this cannot see (e.g. comparing two huge nested structures), but costs a process hop per page and
moving the context and URL helpers across; the hooks above keep the render in-process and cost
about a tenth more CPU on the default theme's catalogue page (docs/themes.md, "Limits").
"""

import hashlib
import re
import string
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import update_wrapper
from typing import Any, cast

import markdown as markdown_lib
import nh3
from django.utils import formats
from jinja2 import BaseLoader, Template, Undefined, nodes
from jinja2.compiler import CodeGenerator, Frame, optimizeconst
from jinja2.exceptions import SecurityError
from jinja2.runtime import LoopContext
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from . import bounded_filters
from .bounded_filters import MAX_WIDTH, check_percent_format, check_text, checked_add
from .budget import (
    MAX_ITEMS,
    MAX_RANGE,
    MAX_SECONDS,
    MAX_SEQUENCE,
    RenderLimit,
    check_size,
    current,
    end_budget,
    grown,
    start_budget,
)
from .catalogues import ThemeTranslations, gettext_callables

__all__ = ["MAX_ITEMS", "MAX_OUTPUT", "MAX_RANGE", "MAX_SECONDS", "MAX_SEQUENCE", "MAX_WIDTH", "PortalSandbox",
           "RenderLimit", "end_budget", "markdown", "safe_range", "start_budget"]

MAX_INT_BITS = 65_536
MAX_OUTPUT = 5 * 1024 * 1024  # characters a page may have
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


def safe_range(*args: int) -> range:
    rng = range(*args)
    if len(rng) > MAX_RANGE:
        raise RenderLimit(f"range() is limited to {MAX_RANGE} items")
    current().take_range(len(rng))
    return rng


def check_brace_format(fmt: str) -> int:
    """Check a str.format string's specifications; the number of fields it has."""
    try:
        parsed = list(string.Formatter().parse(fmt))
    except ValueError as exc:
        raise SecurityError(f"bad format string: {exc}") from None
    fields = 0
    for _literal, field, spec, _conversion in parsed:
        if field is not None:
            fields += 1
        if not spec:
            continue
        if "{" in spec:
            raise SecurityError("nested format specifications are not allowed")
        if any(int(n) > MAX_WIDTH for n in re.findall(r"\d+", spec)):
            raise RenderLimit(f"format widths are limited to {MAX_WIDTH}")
    return fields


def number(value: Any) -> Any:
    """`{{ n|number }}`: a whole or decimal number grouped and punctuated as the reader's language writes it
    (1,234.5 · 1.234,5 · 1 234,5), by Django's locale formats; anything else (None, text) as it is."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    return formats.number_format(value, use_l10n=True, force_grouping=True)


def markdown(text: Any) -> Markup:
    """Markdown to HTML, sanitised with nh3: content blocks are written by admins, shown to everyone.

    Remembered by the text's hash (`_rendered`): a product's or page's content changes rarely and
    is shown on every visit, and converting and sanitising it cost more than the rest of the page's
    template. The result depends on the text alone, so a changed text is simply another key."""
    if text is None or isinstance(text, Undefined):
        return Markup("")
    text = str(text)
    if len(text) > MAX_MARKDOWN:
        raise RenderLimit(f"Markdown content is limited to {MAX_MARKDOWN} characters")
    key = hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()
    found = _rendered.get(key)
    if found is None:
        html = markdown_lib.markdown(text, extensions=["fenced_code", "tables", "sane_lists"])
        found = Markup(nh3.clean(html, tags=MARKDOWN_TAGS, attributes=MARKDOWN_ATTRIBUTES,  # noqa: S704 - sanitised
                                 url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer"))
        _rendered.put(key, found)
    return found


class _SizedCache:
    """A least-recently-used map bounded by the total length of its values (thread-safe)."""

    def __init__(self, max_chars: int) -> None:
        self.max_chars = max_chars
        self.size = 0
        self._items: OrderedDict[bytes, Markup] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: bytes) -> Markup | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: bytes, value: Markup) -> None:
        if len(value) > self.max_chars // 8:
            return  # a very large text is converted each time rather than crowd out the rest
        with self._lock:
            old = self._items.pop(key, None)
            self.size -= len(old) if old is not None else 0
            self._items[key] = value
            self.size += len(value)
            while self.size > self.max_chars and self._items:
                _key, dropped = self._items.popitem(last=False)
                self.size -= len(dropped)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.size = 0


MARKDOWN_CACHE_CHARS = 16 * 1024 * 1024  # HTML kept per process, at most
_rendered = _SizedCache(MARKDOWN_CACHE_CHARS)


_PLAIN = frozenset({str, Markup, int, float, bool, type(None)})


def _check_output(value: Any) -> Any:
    """`finalize`: what `{{ value }}` prints must have a bounded text before it is made."""
    if type(value) not in _PLAIN:
        check_text(value, "printing a value")
    return value


class BudgetCodeGenerator(CodeGenerator):
    """Compiles budget checks into templates: each loop item is a step, and `~` is size-checked."""

    def visit_For(self, node: nodes.For, frame: Frame) -> None:  # noqa: N802 - Jinja2's CodeGenerator names its visitors
        # `for x in xs` is compiled as `for x in environment.counted(xs)`. (Jinja2 forbids new node
        # types, so the wrapper is a call of an environment attribute, which the sandbox lets through.)
        if not _is_counted(node.iter):
            node.iter = nodes.Call(nodes.EnvironmentAttribute(_COUNTED, lineno=node.iter.lineno), [node.iter],
                                   [], None, None, lineno=node.iter.lineno)
        super().visit_For(node, frame)

    def visit_Call(self, node: nodes.Call, frame: Frame, forward_caller: bool = False) -> None:  # noqa: N802 - Jinja2's CodeGenerator names its visitors
        if _is_counted(node):  # called directly: the sandbox's checks of a call are not needed for our own hook
            self.write(f"environment.{_COUNTED}(")
            self.visit(node.args[0], frame)
            self.write(")")
        else:
            super().visit_Call(node, frame, forward_caller=forward_caller)

    @optimizeconst
    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:  # noqa: N802 - Jinja2's CodeGenerator names its visitors
        if frame.eval_ctx.volatile:
            join = "(markup_join if context.eval_ctx.volatile else str_join)"
        elif frame.eval_ctx.autoescape:
            join = "markup_join"
        else:
            join = "str_join"
        self.write("environment.joined((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write(f"), {join})")


_COUNTED = "counted"


def _is_counted(node: nodes.Node) -> bool:
    return isinstance(node, nodes.Call) and isinstance(node.node, nodes.EnvironmentAttribute) \
        and node.node.name == _COUNTED


_PADDING_METHODS = {"ljust", "rjust", "center", "zfill"}
_TEXT = (str, bytes, bytearray)


def _check_text_method(owner: Any, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
    """Refuse, before it runs, a str or bytes method call that would make too much."""
    if name in _PADDING_METHODS and any(isinstance(a, int) and a > MAX_WIDTH for a in args):
        raise RenderLimit(f"{name}() widths are limited to {MAX_WIDTH}")
    if name == "expandtabs":
        size = kwargs.get("tabsize", args[0] if args else 8)
        if not isinstance(size, int) or size > MAX_WIDTH:
            raise RenderLimit(f"expandtabs() widths are limited to {MAX_WIDTH}")
        check_size(len(owner) + owner.count("\t" if isinstance(owner, str) else b"\t") * size, "expandtabs()")
    elif name == "replace" and len(args) >= 2 and isinstance(args[0], _TEXT) and isinstance(args[1], _TEXT):
        found = owner.count(args[0]) if args[0] else len(owner) + 1
        if len(args) > 2 and isinstance(args[2], int) and args[2] >= 0:
            found = min(found, args[2])
        check_size(len(owner) + found * max(0, len(args[1]) - len(args[0])), "replace()")
    elif name == "join" and args:
        items = list(args[0])
        size = len(items) * len(owner)
        for item in items:
            size += check_text(item, "join()")
            check_size(size, "join()")
        args = (items, *args[1:])
    elif name == "translate" and args:
        table = args[0]
        if not isinstance(table, (dict, bytes)) and table is not None:
            raise SecurityError("translate() takes a dict here")
        longest = max((len(v) for v in table.values() if isinstance(v, _TEXT)), default=1) \
            if isinstance(table, dict) else 1
        check_size(len(owner) * max(1, longest), "translate()")
    return args


class PortalSandbox(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**", "%", "+"})
    code_generator_class = BudgetCodeGenerator
    revision_key: str | None = None  # set by loader.environment: the theme revision(s) it renders

    def __init__(self, loader: BaseLoader, translations: ThemeTranslations | None = None, **kwargs: Any) -> None:
        super().__init__(
            loader=loader,
            autoescape=lambda name: name is None or not name.endswith(".txt"),
            extensions=["jinja2.ext.loopcontrols", "jinja2.ext.i18n"],
            cache_size=400,
            finalize=_check_output,
            **kwargs,
        )
        for name in REMOVED_GLOBALS:
            self.globals.pop(name, None)
        self.globals["range"] = safe_range
        # `_()`, `gettext()`, `ngettext()` and `{% trans %}` look the text up in the language Django has
        # active for the request (set by the language middleware), in the catalogues Django loads: one
        # translation machinery for the Admin Portal, the themes and the e-mails; a theme's own catalogues
        # (`translations`, compiled once per theme revision by loader.environment) come first
        # (themes/catalogues.py). New-style: the translated text is escaped and formatted with the
        # keyword arguments (`_("Hi %(name)s", name=n)`).
        self.install_gettext_callables(  # type: ignore[attr-defined]
            **gettext_callables(translations), newstyle=True)
        self.filters["markdown"] = markdown
        self.filters["number"] = number
        self.filters = bounded_filters.bounded_filters(self.filters)

    # -- the budget's hooks, called by compiled templates --------------------------------------

    def counted(self, iterable: Iterable[Any]) -> Iterator[Any]:
        """A loop's iterable: each item is a step."""
        return current().counted(iterable)

    def joined(self, parts: Sequence[Any], join: Callable[[Iterable[Any]], str]) -> str:
        """`a ~ b ~ c`: the parts' text must fit in MAX_SEQUENCE before they are joined."""
        size = 0
        for part in parts:
            size += check_text(part, "~")
            check_size(size, "~")
        return cast("str", grown(join(parts), "~"))

    def concat(self, parts: Iterable[str]) -> str:
        """The output of a macro, a block or a `{% set %}` block, joined: checked before joining."""
        pieces = parts if isinstance(parts, list) else list(parts)
        size = 0
        for piece in pieces:
            size += len(piece)
        current().grow(size, "a macro's or block's output")
        return "".join(pieces)

    def get_template(self, *args: Any, **kwargs: Any) -> Template:
        """Each template included, imported or extended is a step (an include can loop on itself)."""
        current().step()
        return super().get_template(*args, **kwargs)

    def select_template(self, *args: Any, **kwargs: Any) -> Template:
        current().step()
        return super().select_template(*args, **kwargs)

    # -- the sandbox's hooks -------------------------------------------------------------------

    def unsafe_undefined(self, obj: Any, attribute: str) -> Undefined:
        raise SecurityError(f"access to attribute {attribute!r} of {type(obj).__name__!r} object is unsafe")

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "+":
            return checked_add(left, right)
        if operator == "**":
            if isinstance(left, int) and isinstance(right, int) and not isinstance(right, bool):
                if right > 0 and max(left.bit_length(), 1) * right > MAX_INT_BITS:
                    raise RenderLimit("the result of ** would be too large")
            elif isinstance(right, (int, float)) and abs(right) > 1024:
                raise RenderLimit("exponents are limited to 1024")
        elif operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, (str, bytes, list, tuple)) and isinstance(times, int):
                    check_size(len(seq) * times, "repetition")
            if isinstance(left, int) and isinstance(right, int) and \
                    left.bit_length() + right.bit_length() > MAX_INT_BITS:
                raise RenderLimit("the result of * would be too large")
        elif operator == "%" and isinstance(left, str):
            check_percent_format(left, right)
        return grown(super().call_binop(context, operator, left, right), operator)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        wrapper = super().wrap_str_format(value)
        if wrapper is None:
            return None
        fmt = str(value.__self__)
        fields = check_brace_format(fmt)
        format_map = value.__name__ == "format_map"

        def bounded(*args: Any, **kwargs: Any) -> str:
            values = [*args, *kwargs.values()]
            if format_map and len(args) == 1 and isinstance(args[0], dict):
                values = list(args[0].values())
            largest = max((check_text(v, "format()") for v in values), default=0)
            check_size(len(fmt) + fields * (largest + MAX_WIDTH), "format()")
            return cast("str", grown(wrapper(*args, **kwargs), "format()"))

        return update_wrapper(bounded, value)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 - Jinja2's call() signature: dunder names keep the template's keyword arguments free
        budget = current()
        budget.step()
        if isinstance(__obj, LoopContext) and args:  # a recursive loop's next level
            args = (budget.counted(args[0]), *args[1:])
            return super().call(__context, __obj, *args, **kwargs)
        owner = getattr(__obj, "__self__", None)
        if isinstance(owner, _TEXT):
            args = _check_text_method(owner, getattr(__obj, "__name__", ""), args, kwargs)
        elif not isinstance(owner, _CONTAINERS):
            # Macros, blocks and loops charge their output as they join it (`concat`); helpers make little.
            return super().call(__context, __obj, *args, **kwargs)
        return grown(super().call(__context, __obj, *args, **kwargs), f"{getattr(__obj, '__name__', 'a call')}()")


_CONTAINERS = (list, tuple, dict)
REMOVED_GLOBALS = ("lipsum",)
