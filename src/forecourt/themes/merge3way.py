"""Three-way merge of lines (the diff3 algorithm) on the standard library's difflib.

`forecourt theme upgrade` merges each theme file three ways: base (the default theme the custom theme was
derived from), ours (the custom theme) and theirs (the new default theme). The library it used for that,
merge3, is GPL-2.0-or-later, which the Apache-2.0 core must not ship; `git merge-file` is not available in
the container image. So this module implements the algorithm itself, on difflib.SequenceMatcher.

The algorithm (diff3, as described by Khanna, Kunal and Pierce, "A formal investigation of diff3", 2007):

1. Align base with ours, and base with theirs (difflib.SequenceMatcher, without its "popular line"
   heuristic, which would leave repeated lines such as `</div>` unmatched in files over 200 lines). Each
   alignment tells which base lines that side kept, and where they are now.
2. A base line that both sides kept is a *sync point*: base, ours and theirs agree on it.
3. Walk the three texts together from sync point to sync point. The sync points themselves form the
   stable chunks, copied as they are. The lines between two consecutive sync points (on each side:
   the base's, ours' and theirs') form an unstable chunk.
4. Each unstable chunk is classified:
   - ours == theirs: both made the same change (or none): taken once, not a conflict;
   - ours == base: only theirs changed these lines: theirs is taken;
   - theirs == base: only ours changed them: ours is taken;
   - otherwise both changed the same base lines, inserted different lines at the same place, or one
     side edited what the other deleted: a conflict, which keeps all three versions for the caller to
     mark.

As in git and GNU diff3, changes to adjacent lines (no line both sides kept between them) fall into one
unstable chunk and so are a conflict. Lines are compared with their line endings: a side that turns LF
into CRLF has changed every line. The alignment is difflib's (Ratcliff/Obershelp), not a minimal diff, so
on files with many repeated lines a merge may find a different (never wrong) set of sync points than git.

Properties the tests check over random edits: merge(b, x, b) == x, merge(b, b, x) == x, merge(b, x, x) ==
x, and edits to regions separated by an unchanged line are both applied.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass

UNCHANGED = "unchanged"  # neither side changed these lines (a stable chunk)
OURS = "ours"  # only ours changed them
THEIRS = "theirs"  # only theirs changed them
BOTH = "both"  # both made the same change
CONFLICT = "conflict"  # both changed them, differently

# One line with its ending: LF, CRLF or a lone CR; or a last line without any.
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")


def split_lines(text: str) -> list[str]:
    """`text` as lines that keep their endings, so that "".join(split_lines(text)) == text.

    Only LF, CRLF and CR end a line (unlike str.splitlines, which also splits on form feeds, U+2028 and
    other characters that may sit inside a JavaScript string or a template).
    """
    return _LINE.findall(text)


@dataclass(frozen=True)
class Chunk:
    """A run of lines in the three versions: what the base, ours and theirs have there, and whose wins."""

    kind: str
    base: tuple[str, ...]
    ours: tuple[str, ...]
    theirs: tuple[str, ...]

    @property
    def conflict(self) -> bool:
        return self.kind == CONFLICT

    @property
    def lines(self) -> tuple[str, ...]:
        """The merged lines (a conflict has none: the caller decides how to mark it)."""
        if self.kind == CONFLICT:
            raise ValueError("a conflict has no merged lines")
        return self.theirs if self.kind == THEIRS else self.ours


def _kept(base: Sequence[str], other: Sequence[str]) -> list[int | None]:
    """For each base line, where `other` has it if the alignment keeps it unchanged, else None."""
    where: list[int | None] = [None] * len(base)
    matcher = difflib.SequenceMatcher(None, base, other, autojunk=False)
    for block in matcher.get_matching_blocks():
        for offset in range(block.size):
            where[block.a + offset] = block.b + offset
    return where


def _classify(base: Sequence[str], ours: Sequence[str], theirs: Sequence[str]) -> Chunk:
    """The chunk between two sync points, with who changed it."""
    b, o, t = tuple(base), tuple(ours), tuple(theirs)
    if o == t:
        kind = UNCHANGED if o == b else BOTH
    elif o == b:
        kind = THEIRS
    elif t == b:
        kind = OURS
    else:
        kind = CONFLICT
    return Chunk(kind, b, o, t)


def merge(base: Sequence[str], ours: Sequence[str], theirs: Sequence[str]) -> list[Chunk]:
    """The three versions cut into chunks, in order (see the module's docstring).

    Concatenating every chunk's `base` gives `base` back, and likewise for `ours` and `theirs`; the
    merged text is the concatenation of each chunk's `lines`, if no chunk is a conflict.
    """
    in_ours, in_theirs = _kept(base, ours), _kept(base, theirs)
    syncs = [(i, o, t) for i, (o, t) in enumerate(zip(in_ours, in_theirs, strict=True))
             if o is not None and t is not None]
    chunks: list[Chunk] = []
    stable: list[str] = []
    b = o = t = 0  # where the walk is in base, ours and theirs
    for i, oi, ti in [*syncs, (len(base), len(ours), len(theirs))]:  # the ends close the last chunk
        # Alignments are monotonic: each sync point is at or after (b, o, t) in all three.
        if (i, oi, ti) != (b, o, t):
            if stable:
                chunks.append(Chunk(UNCHANGED, tuple(stable), tuple(stable), tuple(stable)))
                stable = []
            chunks.append(_classify(base[b:i], ours[o:oi], theirs[t:ti]))
        if i < len(base):
            stable.append(base[i])
            b, o, t = i + 1, oi + 1, ti + 1
    if stable:
        chunks.append(Chunk(UNCHANGED, tuple(stable), tuple(stable), tuple(stable)))
    return chunks
