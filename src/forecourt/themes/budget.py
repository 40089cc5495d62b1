"""The budget of one theme render: how much time, work and memory a template may use.

A theme template is untrusted code, and a short one can ask for a lot: nested loops over a long
string, a string doubled thirty times, a filter asked for thirty million items. Checking the clock
in a few places is not enough (a loop that calls nothing never looks at it), so every unit of
work a template can repeat is counted here, and the clock is read each time:

- steps: every item a `{% for %}` loop takes (filtered out or not, recursive or not), every call
  (macros, methods, helpers), every template included, imported or extended, and every item a
  filter iterates in Python;
- growth: every string, list or buffer a template makes (`~`, `+`, `*`, `%`, a filter's result,
  a macro's or `{% set %}` block's output), each at most MAX_SEQUENCE characters or items and
  MAX_GROWTH in all, so memory stays bounded too;
- time: MAX_SECONDS, checked at every step.

The sandbox (sandbox.py) asks for these checks; the page's size is checked by the renderer
(rendering.py). A render that passes any limit stops with RenderLimit, and the page falls back to
the default theme. The per-operation limits (MAX_SEQUENCE, widths) are checked before the
operation where its size can be known in advance, so no single operation runs long either.
"""

import time
from collections.abc import Iterable, Iterator, MappingView
from contextvars import ContextVar, Token
from typing import Any

from jinja2.environment import TemplateModule
from jinja2.exceptions import SecurityError
from jinja2.utils import Namespace

MAX_SECONDS = 5.0  # one render, from start to end
MAX_STEPS = 250_000  # loop items, calls, includes and filter items in one render
MAX_GROWTH = 20_000_000  # characters or items made in one render, all operations together
MAX_SEQUENCE = 1_000_000  # characters or items one operation may make
MAX_RANGE = 10_000  # items in one range()
MAX_ITEMS = 100_000  # range() items in one render


_clock = time.monotonic


class RenderLimit(SecurityError):
    """A template asked for more than a page may use."""


def check_size(size: int, what: str) -> None:
    """Refuse an operation that would make more than MAX_SEQUENCE characters or items."""
    if size > MAX_SEQUENCE:
        raise RenderLimit(f"{what} would make more than {MAX_SEQUENCE} characters or items")


class Budget:
    """What is left of one render's allowance; the limits are read when the render starts."""

    __slots__ = ("deadline", "growth", "range_items", "seconds", "steps")

    def __init__(self) -> None:
        self.seconds = MAX_SECONDS
        self.deadline = time.monotonic() + MAX_SECONDS
        self.steps = MAX_STEPS
        self.growth = MAX_GROWTH
        self.range_items = MAX_ITEMS

    def step(self, count: int = 1) -> None:
        self.steps -= count
        if self.steps < 0 or _clock() > self.deadline:
            self.over()

    def over(self) -> None:
        """Raise the limit that was passed."""
        if self.steps < 0:
            raise RenderLimit(f"the template took more than {MAX_STEPS} steps (loop items, calls, includes)")
        raise RenderLimit(f"the template took more than {self.seconds:g} seconds")

    def grow(self, size: int, what: str) -> None:
        check_size(size, what)
        self.growth -= size
        if self.growth < 0:
            raise RenderLimit(f"the template made more than {MAX_GROWTH} characters or items in all")

    def take_range(self, size: int) -> None:
        self.range_items -= size
        if self.range_items < 0:
            raise RenderLimit(f"the template asked for more than {MAX_ITEMS} range() items in one page")
        self.step()

    def counted(self, iterable: Iterable[Any]) -> Iterator[Any]:
        """`iterable`, each item a step."""
        for item in iterable:
            self.steps -= 1  # step(), inlined: this runs for every item of every loop
            if self.steps < 0 or _clock() > self.deadline:
                self.over()
            yield item


class _Unlimited(Budget):
    """Outside a render (nothing started a budget): only the per-operation limits apply."""

    def step(self, count: int = 1) -> None:
        pass

    def grow(self, size: int, what: str) -> None:
        check_size(size, what)

    def take_range(self, size: int) -> None:
        pass

    def counted(self, iterable: Iterable[Any]) -> Iterator[Any]:
        return iter(iterable)


_UNLIMITED = _Unlimited()
_budget: ContextVar[Budget] = ContextVar("forecourt_theme_budget", default=_UNLIMITED)


def start_budget() -> Token[Budget]:
    """Give the render that starts now its own budget; pass the result to `end_budget`."""
    return _budget.set(Budget())


def end_budget(token: Token[Budget]) -> None:
    _budget.reset(token)


def current() -> Budget:
    return _budget.get()


def grown(value: Any, what: str) -> Any:
    """Charge a value an operation made (if it is a string, bytes or a list) to the budget; return it."""
    if isinstance(value, (str, bytes, list, tuple)):
        _budget.get().grow(len(value), what)
    return value


_SCALAR_SIZE = 24  # repr of a float, a bool, None
_OBJECT_SIZE = 80  # repr of anything else: a cycler, a macro, a loop


def text_size(value: Any, limit: int = MAX_SEQUENCE, indent: int = 0) -> int:
    """An estimate of len(str(value)) (with `indent` characters per nesting level, as JSON or pprint
    add), found without making the string, and abandoned once it passes `limit`.

    Containers are what make this necessary: `[s] * 1000`, nested a few times, is a small list
    whose text is larger than memory, because its items are the same object many times over.
    Walking it stops after `limit` characters, so the estimate itself costs little.
    """
    if isinstance(value, (str, bytes)):
        return len(value)
    if isinstance(value, (int, float)) or value is None:
        return _int_size(value) if isinstance(value, int) else _SCALAR_SIZE
    total = 0
    stack: list[tuple[Iterator[Any], int]] = []
    item: Any = value
    depth = 0
    while True:
        total += indent * depth
        if isinstance(item, (str, bytes)):
            total += len(item) + 3
        elif isinstance(item, int):
            total += _int_size(item)
        elif isinstance(item, (float, type(None))):
            total += _SCALAR_SIZE
        elif isinstance(item, dict):
            total += 2
            stack.append((_dict_items(item), depth + 1))
        elif isinstance(item, (list, tuple, set, frozenset, MappingView)):
            total += 2
            stack.append((_iterate(item), depth + 1))
        elif isinstance(item, TemplateModule):  # an imported template prints its whole output
            total += sum(len(piece) for piece in item._body_stream)
        elif isinstance(item, Namespace):
            total += 12
            stack.append((_dict_items(item._Namespace__attrs), depth + 1))
        else:
            total += _OBJECT_SIZE
        if total > limit:
            return total
        while stack:
            iterator, depth = stack[-1]
            item = next(iterator, _END)
            if item is not _END:
                total += 2  # ", "
                break
            stack.pop()
        else:
            return total


_END = object()


def _iterate(items: Any) -> Iterator[Any]:
    return iter(items)


def _dict_items(mapping: dict[Any, Any]) -> Iterator[Any]:
    for key, val in mapping.items():
        yield key
        yield val


def _int_size(value: int) -> int:
    return value.bit_length() // 3 + 2
