"""Jinja2's filters, bounded: each filter a theme template can use counts against the render's
budget (budget.py), and the ones whose output can be far larger than their input refuse, before
doing anything, arguments that would make it so.

Every filter is wrapped (`bounded`): the items a filter iterates in Python are steps, so that
`big|map(...)` in a loop runs out of steps rather than time; a value turned into text must have a
bounded text (`budget.text_size`), so that a list holding itself a thousand times over is not
printed; what a filter returns is charged as growth, and what it yields lazily (`map`, `select`,
`batch`...) is counted item by item. The filters that take a size (`batch`, `slice`, `center`,
`indent`, `wordwrap`, `format`, `replace`, `join`, `sum`, `urlize`, `tojson`) are replaced by
versions that check the size first, since counting their output afterwards would be too late:
`[1]|batch(30000000, 0)` allocates thirty million items in one go.
"""

import operator
import re
from collections.abc import Callable, Iterable, Iterator
from functools import update_wrapper
from pprint import pformat
from typing import Any

from jinja2.filters import (
    do_batch,
    do_center,
    do_format,
    do_indent,
    do_replace,
    do_tojson,
    do_urlize,
    do_wordwrap,
    make_attrgetter,
    sync_do_join,
    sync_do_slice,
)
from jinja2.utils import pass_environment, pass_eval_context

from .budget import MAX_RANGE, MAX_SEQUENCE, RenderLimit, check_size, current, text_size

MAX_WIDTH = 1_000  # padding width in format strings, padding methods and filters
MAX_JSON_INDENT = 8

# Filters that go through their value item by item in Python (or sort it): each item is a step.
ITERATING = frozenset({
    "batch", "dictsort", "groupby", "items", "join", "list", "map", "max", "min", "reject", "rejectattr",
    "reverse", "select", "selectattr", "slice", "sort", "sum", "unique", "urlize", "wordwrap",
})
# Filters that turn their value (and arguments) into text: the text must be of a bounded size.
TEXTUAL = frozenset({
    "capitalize", "center", "e", "escape", "forceescape", "format", "indent", "lower", "markdown", "pprint",
    "replace", "safe", "string", "striptags", "title", "tojson", "trim", "truncate", "upper", "urlencode",
    "urlize", "wordcount", "wordwrap", "xmlattr",
})
_SCALARS = (str, int, float, bool, type(None))


def check_text(value: Any, what: str, indent: int = 0) -> int:
    """The estimated size of `value` as text, refused over MAX_SEQUENCE."""
    if isinstance(value, str):
        return len(value)
    size = text_size(value, MAX_SEQUENCE, indent)
    check_size(size, what)
    return size


def bounded(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """`func` (the filter `name`) counting against the render's budget."""
    pass_arg = getattr(func, "jinja_pass_arg", None)
    first = 1 if pass_arg is not None else 0
    iterating = name in ITERATING
    textual = name in TEXTUAL
    what = f"the filter {name}"

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        budget = current()
        if len(args) > first:
            value = args[first]
            if iterating:
                try:
                    budget.step(len(value) + 1)
                except TypeError:  # not sized: counted as it is iterated
                    budget.step()
            else:
                budget.step()
            if textual:
                for arg in (*args[first:], *kwargs.values()):
                    if not isinstance(arg, _SCALARS):
                        check_text(arg, what)
        result = func(*args, **kwargs)
        if isinstance(result, (str, list, tuple)):
            budget.grow(len(result), what)
        elif isinstance(result, Iterator):
            return _counted_growth(result, what)
        return result

    wrapper.jinja_pass_arg = pass_arg  # type: ignore[attr-defined]
    return update_wrapper(wrapper, func)


def _counted_growth(items: Iterator[Any], what: str) -> Iterator[Any]:
    budget = current()
    for item in items:
        budget.step()
        if isinstance(item, (list, tuple, str)):
            budget.grow(len(item), what)
        yield item


def center(value: str, width: int = 80) -> str:
    if width > MAX_WIDTH:
        raise RenderLimit(f"center() widths are limited to {MAX_WIDTH}")
    return do_center(value, width)


def indent(value: str, width: int | str = 4, first: bool = False, blank: bool = False) -> str:
    if (isinstance(width, int) and width > MAX_WIDTH) or (isinstance(width, str) and len(width) > MAX_WIDTH):
        raise RenderLimit(f"indent() widths are limited to {MAX_WIDTH}")
    text = str(value)
    lines = text.count("\n") + 1
    check_size(len(text) + lines * (len(width) if isinstance(width, str) else int(width)), "indent()")
    return do_indent(value, width, first, blank)


_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[#0 +-]*(\*|\d+)?(?:\.(\*|\d+))?[a-zA-Z%]")


def check_percent_format(fmt: str, values: Any) -> None:
    """`fmt % values` (or `fmt|format(values)`): widths at most MAX_WIDTH, and a result of at most
    MAX_SEQUENCE characters, counting each specifier as the largest value (`%(a)s` may repeat)."""
    specifiers = 0
    for match in _PERCENT_SPEC.finditer(fmt):
        specifiers += 1
        for part in match.groups():
            if part == "*" or (part and int(part) > MAX_WIDTH):
                raise RenderLimit(f"format widths are limited to {MAX_WIDTH}")
    if not specifiers:
        return
    if isinstance(values, dict):
        values = list(values.values())
    elif not isinstance(values, (tuple, list)):
        values = [values]
    largest = max((check_text(v, "a format string") for v in values), default=0)
    check_size(len(fmt) + specifiers * (largest + MAX_WIDTH), "a format string")


def format_(value: str, *args: Any, **kwargs: Any) -> str:
    check_percent_format(str(value), kwargs or args)
    return do_format(value, *args, **kwargs)


def slice_(value: Iterable[Any], slices: int, fill_with: Any = None) -> Any:
    if slices > MAX_RANGE:
        raise RenderLimit(f"slice() is limited to {MAX_RANGE} slices")
    return sync_do_slice(list(value), slices, fill_with)


def batch(value: Iterable[Any], linecount: int, fill_with: Any = None) -> Any:
    if fill_with is not None:
        check_size(linecount, "batch()")
    return do_batch(value, linecount, fill_with)


@pass_eval_context
def replace(eval_ctx: Any, s: str, old: str, new: str, count: int | None = None) -> str:
    text, old_text, new_text = str(s), str(old), str(new)
    found = text.count(old_text) if old_text else len(text) + 1
    if count is not None and count >= 0:
        found = min(found, count)
    check_size(len(text) + found * max(0, len(new_text) - len(old_text)), "replace()")
    return do_replace(eval_ctx, s, old, new, count)


@pass_eval_context
def join(eval_ctx: Any, value: Iterable[Any], d: str = "", attribute: Any = None) -> str:
    items = list(value)
    size = len(items) * len(str(d))
    for item in items:
        size += check_text(item, "join()")
        check_size(size, "join()")
    return sync_do_join(eval_ctx, items, d, attribute)


@pass_environment
def sum_(environment: Any, iterable: Iterable[Any], attribute: Any = None, start: Any = 0) -> Any:
    """sum(), with each addition checked like `+`: summing lists or strings copies the total each time."""
    if attribute is not None:
        iterable = map(make_attrgetter(environment, attribute), iterable)
    total = start
    for item in iterable:
        total = checked_add(total, item)
    return total


def checked_add(left: Any, right: Any) -> Any:
    budget = current()
    if isinstance(left, (str, bytes, list, tuple)) and isinstance(right, (str, bytes, list, tuple)):
        check_size(len(left) + len(right), "+")
        result = operator.add(left, right)
        budget.grow(len(result), "+")
        return result
    budget.step()
    return left + right


@pass_environment
def wordwrap(environment: Any, s: str, width: int = 79, break_long_words: bool = True,
             wrapstring: str | None = None, break_on_hyphens: bool = True) -> str:
    text = str(s)
    separator = environment.newline_sequence if wrapstring is None else str(wrapstring)
    # Greedy wrapping fills each pair of lines past `width`, so a paragraph has at most 2 * len / width + 1.
    lines = 2 * len(text) // max(1, int(width)) + text.count("\n") + 1
    check_size(len(text) + lines * len(separator), "wordwrap()")
    return do_wordwrap(environment, s, width, break_long_words, wrapstring, break_on_hyphens)


@pass_eval_context
def urlize(eval_ctx: Any, value: str, trim_url_limit: int | None = None, nofollow: bool = False,
           target: str | None = None, rel: str | None = None, extra_schemes: Iterable[str] | None = None) -> str:
    # Each link (a word of four characters or more) gets its target and rel attributes.
    links = len(str(value)) // 4 + 1
    check_size(3 * len(str(value)) + links * (len(str(target or "")) + len(str(rel or ""))), "urlize()")
    return do_urlize(eval_ctx, value, trim_url_limit, nofollow, target, rel, extra_schemes)


@pass_eval_context
def tojson(eval_ctx: Any, value: Any, indent: int | None = None) -> Any:
    if indent is not None and (not isinstance(indent, int) or indent > MAX_JSON_INDENT):
        raise RenderLimit(f"tojson() indents are limited to {MAX_JSON_INDENT}")
    check_text(value, "tojson()", indent or 0)
    return do_tojson(eval_ctx, value, indent)


def pprint(value: Any) -> str:
    """pprint, pretty only for small values: pformat indents each nested line by its depth, so a
    large, deep value would print far larger than its text. Larger values print on one line."""
    size = check_text(value, "pprint()")
    return pformat(value, width=80 if size <= PRETTY_TEXT else MAX_SEQUENCE + 1)


PRETTY_TEXT = 1_000

REPLACED: dict[str, Callable[..., Any]] = {
    "batch": batch, "center": center, "format": format_, "indent": indent, "join": join, "pprint": pprint,
    "replace": replace,
    "slice": slice_, "sum": sum_, "tojson": tojson, "urlize": urlize, "wordwrap": wordwrap,
}


def bounded_filters(filters: dict[str, Callable[..., Any]]) -> dict[str, Callable[..., Any]]:
    """Every filter of `filters`, with the replacements above, each wrapped by `bounded`."""
    return {name: bounded(name, REPLACED.get(name, func)) for name, func in filters.items()}
