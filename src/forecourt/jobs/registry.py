"""Job names -> the functions that run them."""

from collections.abc import Callable
from typing import Any

Handler = Callable[..., Any]
_handlers: dict[str, Handler] = {}


def handler(name: str) -> Callable[[Handler], Handler]:
    """Register `func` as the handler of jobs called `name` (payload passed as keyword arguments)."""

    def register(func: Handler) -> Handler:
        if name in _handlers and _handlers[name] is not func:
            raise ValueError(f"job {name!r} already has a handler")
        _handlers[name] = func
        return func

    return register


_periodic: list[Callable[[bool], None]] = []


def periodic(func: Callable[[bool], None]) -> Callable[[bool], None]:
    """Register `func(first)` to be called by the job worker at start (first=True) and about every 30 s.

    It should only enqueue jobs that are due; replicas each call it, so it must tolerate that.
    """
    if func not in _periodic:
        _periodic.append(func)
    return func


def periodic_tasks() -> list[Callable[[bool], None]]:
    return list(_periodic)


def names() -> list[str]:
    """The job names this process has handlers for."""
    return sorted(_handlers)


def get(name: str) -> Handler | None:
    return _handlers.get(name)


def unregister(name: str) -> None:
    _handlers.pop(name, None)
