"""Side effects that every write asks for, done once for a block of many writes.

Some writes carry a derived write with them: a product saved rewrites its search index rows
(forecourt.catalog.search), any content change gives the content a new revision
(forecourt.pagecache.revision). Done per write, a block that writes many rows (a provider sync)
pays that derived write per row. A `Deferral` lets such a block ask for it once: inside
`deferral.block()`, the one function that does the derived write (not each signal receiver or
caller) notes what it was asked in `deferral.pending()` and returns; when the block ends
normally, the notes are flushed together, still inside the block's transaction, so the derived
rows commit with the data they describe.

The block is `transaction.atomic(savepoint=False)`: the caller's transaction when there is one
(no savepoint, no extra query), a new one otherwise. An exception leaves the block's writes to be
rolled back with that transaction, so the notes are dropped with them: nothing derived is written
for writes that will not commit. Nested blocks join the outermost one, which flushes.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Generic, TypeVar

from django.db import transaction

T = TypeVar("T")


class Deferral(Generic[T]):
    def __init__(self, name: str, new: Callable[[], T], flush: Callable[[T], None]) -> None:
        """`new()` makes an empty set of notes; `flush(notes)` does what they ask, once."""
        self._notes: ContextVar[T | None] = ContextVar(name, default=None)
        self._new, self._flush = new, flush

    def pending(self) -> T | None:
        """The notes of the block running here (this thread, this task), or None outside a block:
        then the caller does its write now."""
        return self._notes.get()

    @contextmanager
    def block(self, using: str | None = None) -> Iterator[None]:
        """Defer the derived writes of everything run inside to the end of this block (of the
        outermost one, when nested), in the transaction of database `using`."""
        if self._notes.get() is not None:
            yield
            return
        notes = self._new()
        token = self._notes.set(notes)
        with transaction.atomic(using=using, savepoint=False):
            try:
                yield
            finally:
                self._notes.reset(token)  # the flush's own writes are done, not noted
            self._flush(notes)
