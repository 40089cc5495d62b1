"""The three-way merge of theme files (forecourt.themes.merge3way), which replaced the GPL merge3 library.

Hand-picked cases (clean merges, conflicts, empty files, missing final newlines, CRLF), the conflict markers
`forecourt theme upgrade` writes, and properties checked over random edits with a seeded `random`.
"""

from __future__ import annotations

import random

import pytest

from forecourt.themes.merge3way import BOTH, CONFLICT, OURS, THEIRS, UNCHANGED, Chunk, merge, split_lines
from forecourt.themes.upgrade import Labels, merge_text


def merged(base: str, ours: str, theirs: str) -> tuple[str, list[Chunk]]:
    """The merged text (conflicts as "<ours|base|theirs>") and the chunks."""
    chunks = merge(split_lines(base), split_lines(ours), split_lines(theirs))
    out = []
    for chunk in chunks:
        if chunk.conflict:
            out.append("<" + "".join(chunk.ours) + "|" + "".join(chunk.base) + "|" + "".join(chunk.theirs) + ">")
        else:
            out.extend(chunk.lines)
    return "".join(out), chunks


def kinds(chunks: list[Chunk]) -> list[str]:
    return [chunk.kind for chunk in chunks]


def conflicts(chunks: list[Chunk]) -> list[Chunk]:
    return [chunk for chunk in chunks if chunk.conflict]


# Clean merges

BASE = "one\ntwo\nthree\nfour\nfive\n"


def test_a_change_on_one_side_is_taken():
    text, chunks = merged(BASE, "one\nTWO\nthree\nfour\nfive\n", BASE)
    assert text == "one\nTWO\nthree\nfour\nfive\n" and kinds(chunks) == [UNCHANGED, OURS, UNCHANGED]
    text, chunks = merged(BASE, BASE, "one\ntwo\nthree\nFOUR\nfive\n")
    assert text == "one\ntwo\nthree\nFOUR\nfive\n"
    assert kinds(chunks) == [UNCHANGED, THEIRS, UNCHANGED]
    assert chunks[1] == Chunk(THEIRS, ("four\n",), ("four\n",), ("FOUR\n",))


def test_changes_to_different_lines_on_both_sides_are_both_taken():
    text, chunks = merged(BASE, "one\nTWO\nthree\nfour\nfive\n", "one\ntwo\nthree\nFOUR\nfive\n")
    assert text == "one\nTWO\nthree\nFOUR\nfive\n"
    assert kinds(chunks) == [UNCHANGED, OURS, UNCHANGED, THEIRS, UNCHANGED]


def test_insertions_at_the_start_and_the_end():
    text, chunks = merged(BASE, "zero\n" + BASE, BASE + "six\nseven\n")
    assert text == "zero\n" + BASE + "six\nseven\n"
    assert kinds(chunks) == [OURS, UNCHANGED, THEIRS]
    assert merged(BASE, BASE + "six\n", "zero\n" + BASE)[0] == "zero\n" + BASE + "six\n"


def test_deletions_on_both_sides():
    text, _ = merged(BASE, "two\nthree\nfour\nfive\n", "one\ntwo\nthree\nfour\n")
    assert text == "two\nthree\nfour\n"
    text, _ = merged(BASE, "one\nthree\nfour\nfive\n", "one\ntwo\nthree\nfive\n")
    assert text == "one\nthree\nfive\n"


def test_identical_changes_on_both_sides_are_taken_once():
    changed = "one\nTWO\nthree\nfour\nfive\nsix\n"
    text, chunks = merged(BASE, changed, changed)
    assert text == changed and not conflicts(chunks) and BOTH in kinds(chunks)
    text, chunks = merged(BASE, "one\nthree\nfour\nfive\n", "one\nthree\nfour\nFIVE\n")  # same deletion
    assert text == "one\nthree\nfour\nFIVE\n" and not conflicts(chunks)


def test_the_same_change_plus_another_on_one_side():
    text, chunks = merged(BASE, "one\nTWO\nthree\nfour\nfive\n", "one\nTWO\nthree\nfour\nFIVE\n")
    assert text == "one\nTWO\nthree\nfour\nFIVE\n"
    assert kinds(chunks) == [UNCHANGED, BOTH, UNCHANGED, THEIRS]


def test_a_change_everywhere_on_one_side_wins_over_no_change():
    assert merged(BASE, "", BASE)[0] == ""
    assert merged(BASE, BASE, "totally\ndifferent\n")[0] == "totally\ndifferent\n"


# Conflicts


def test_overlapping_edits_are_a_conflict_with_all_three_versions():
    text, chunks = merged(BASE, "one\nTWO\nthree\nfour\nfive\n", "one\nZwei\nthree\nfour\nfive\n")
    assert text == "one\n<TWO\n|two\n|Zwei\n>three\nfour\nfive\n"
    assert conflicts(chunks) == [Chunk(CONFLICT, ("two\n",), ("TWO\n",), ("Zwei\n",))]
    with pytest.raises(ValueError, match="no merged lines"):
        _ = conflicts(chunks)[0].lines


def test_an_edit_against_a_deletion_is_a_conflict():
    text, chunks = merged(BASE, "one\ntwo\nTHREE\nfour\nfive\n", "one\ntwo\nfour\nfive\n")
    assert text == "one\ntwo\n<THREE\n|three\n|>four\nfive\n"
    assert conflicts(chunks) == [Chunk(CONFLICT, ("three\n",), ("THREE\n",), ())]


def test_different_insertions_at_the_same_place_are_a_conflict():
    text, _ = merged(BASE, "one\ntwo\nmine\nthree\nfour\nfive\n", "one\ntwo\nyours\nthree\nfour\nfive\n")
    assert text == "one\ntwo\n<mine\n||yours\n>three\nfour\nfive\n"


def test_changes_to_adjacent_lines_are_a_conflict_as_in_git():
    text, chunks = merged(BASE, "one\nTWO\nthree\nfour\nfive\n", "one\ntwo\nTHREE\nfour\nfive\n")
    assert conflicts(chunks) == [Chunk(CONFLICT, ("two\n", "three\n"), ("TWO\n", "three\n"), ("two\n", "THREE\n"))]
    assert text == "one\n<TWO\nthree\n|two\nthree\n|two\nTHREE\n>four\nfive\n"


def test_several_conflicts_are_counted_apart():
    text, chunks = merged(BASE, "ONE\ntwo\nthree\nfour\nFIVE\n", "Eins\ntwo\nthree\nfour\nFünf\n")
    assert len(conflicts(chunks)) == 2 and text == "<ONE\n|one\n|Eins\n>two\nthree\nfour\n<FIVE\n|five\n|Fünf\n>"


# Empty files, final newlines, line endings


def test_empty_files():
    assert merge([], [], []) == []
    assert merged("", "", "new\n")[0] == "new\n"
    assert merged("", "same\n", "same\n")[0] == "same\n"
    text, chunks = merged("", "mine\n", "yours\n")
    assert text == "<mine\n||yours\n>" and kinds(chunks) == [CONFLICT]
    assert merged("x\n", "", "x\n")[0] == "" and merged("x\n", "", "")[0] == ""
    assert kinds(merged("x\n", "", "y\n")[1]) == [CONFLICT]


def test_files_without_a_final_newline():
    base = "a\nb\nc"
    assert merged(base, "A\nb\nc", "a\nb\nC")[0] == "A\nb\nC"
    assert merged(base, "a\nb\nc\nd", "A\nb\nc")[0] == "A\nb\nc\nd"  # ours appended a line after "c"
    assert merged(base, "a\nb\nc\n", "A\nb\nc")[0] == "A\nb\nc\n"  # ours added the final newline
    _, chunks = merged(base, "a\nb\nc\n", "a\nb\nC")  # the last line changed on both sides
    assert conflicts(chunks) == [Chunk(CONFLICT, ("c",), ("c\n",), ("C",))]


def test_crlf_lines_keep_their_endings():
    base = BASE.replace("\n", "\r\n")
    ours = base.replace("two", "TWO")
    theirs = base.replace("four", "FOUR")
    assert merged(base, ours, theirs)[0] == "one\r\nTWO\r\nthree\r\nFOUR\r\nfive\r\n"
    # A change of line endings is a change of every line: here it meets theirs' edit.
    text, chunks = merged(BASE, base, BASE.replace("four", "FOUR"))
    assert len(conflicts(chunks)) == 1 and "FOUR\n" in text and "five\r\n" in text


def test_split_lines_keeps_every_ending_and_only_splits_on_line_breaks():
    text = "a\r\nb\rc\n\nd\x0ce\u2028f\x85g"
    assert split_lines(text) == ["a\r\n", "b\r", "c\n", "\n", "d\x0ce\u2028f\x85g"]
    assert "".join(split_lines(text)) == text
    assert split_lines("") == [] and split_lines("\n") == ["\n"] and split_lines("x") == ["x"]


# The markers `forecourt theme upgrade` writes


def test_merge_text_marks_conflicts_like_git_diff3_and_counts_them():
    labels = Labels("0.4.0", "0.5.0")
    text, count = merge_text(BASE, "one\nTWO\nthree\nfour\nfive", "one\nZwei\nthree\nfour\nFIVE", labels)
    assert count == 2
    assert text == ("one\n<<<<<<< custom\nTWO\n||||||| base 0.4.0\ntwo\n=======\nZwei\n>>>>>>> default 0.5.0\n"
                    "three\nfour\n<<<<<<< custom\nfive\n||||||| base 0.4.0\nfive\n=======\nFIVE\n"
                    ">>>>>>> default 0.5.0\n")
    assert merge_text(BASE, "zero\n" + BASE, BASE + "six\n", labels) == ("zero\n" + BASE + "six\n", 0)


# Properties over random edits

POOLS = {
    "repetitive": ["a\n", "b\n", "}\n", "\n", "  x\n", "a\r\n", "b"],  # many equal lines, as in templates
    "varied": [f"line {n}\n" for n in range(40)] + ["{% endif %}\n", "</div>\n", "x", "y\r\n"],
}


def random_lines(rng: random.Random, pool: list[str], most: int = 25) -> list[str]:
    return [rng.choice(pool) for _ in range(rng.randint(0, most))]


def random_edit(rng: random.Random, lines: list[str], pool: list[str]) -> list[str]:
    """`lines` with a few random replacements, insertions and deletions."""
    out = list(lines)
    for _ in range(rng.randint(0, 4)):
        start = rng.randint(0, len(out))
        end = min(len(out), start + rng.randint(0, 3))
        out[start:end] = random_lines(rng, pool, 3)
    return out


def text_of(chunks: list[Chunk]) -> list[str]:
    assert not conflicts(chunks)
    return [line for chunk in chunks for line in chunk.lines]


@pytest.mark.parametrize("pool", sorted(POOLS))
def test_a_side_equal_to_the_base_or_to_the_other_side_gives_the_other(pool):
    rng = random.Random(f"merge3way-{pool}")
    for _ in range(400):
        base = random_lines(rng, POOLS[pool])
        x = random_edit(rng, base, POOLS[pool])
        assert text_of(merge(base, x, base)) == x
        assert text_of(merge(base, base, x)) == x
        assert text_of(merge(base, x, x)) == x
        y = random_edit(rng, base, POOLS[pool])
        chunks = merge(base, x, y)
        for side, lines in (("base", base), ("ours", x), ("theirs", y)):
            assert [line for chunk in chunks for line in getattr(chunk, side)] == lines


def apply(base: list[str], regions: list[tuple[int, int, str, list[str]]], sides: set[str]) -> list[str]:
    """`base` with the regions of `sides` replaced by their new lines."""
    out = list(base)
    for start, end, side, new in reversed(regions):
        if side in sides:
            out[start:end] = new
    return out


def test_edits_to_regions_apart_are_both_applied():
    """Random edits to base regions with at least one untouched line between any two (an insertion is an
    empty region): all of them are applied, whichever side made them, with no conflict."""
    rng = random.Random("merge3way-disjoint")
    applied = 0
    for round_ in range(400):
        base = [f"base {n}\n" for n in range(rng.randint(0, 30))]
        regions: list[tuple[int, int, str, list[str]]] = []  # (start, end, side, new lines), in order, apart
        position = 0
        while position <= len(base) and rng.random() < 0.8:
            start = rng.randint(position, min(len(base), position + 4))
            end = min(len(base), start + rng.randint(0, 3))
            side = rng.choice(["ours", "theirs"])
            new = [f"{side} {round_}.{len(regions)}.{k}\n" for k in range(rng.randint(0 if end > start else 1, 3))]
            regions.append((start, end, side, new))
            position = end + 1  # one untouched line before the next region
        ours, theirs, both = (apply(base, regions, sides) for sides in ({"ours"}, {"theirs"}, {"ours", "theirs"}))
        assert text_of(merge(base, ours, theirs)) == both, (base, regions)
        applied += len(regions)
    assert applied > 500  # the generator really made edits

