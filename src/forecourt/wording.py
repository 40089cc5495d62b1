"""Counts in words for what people read in the portals: "1 request", "2 requests", "5,000 requests".

"1 requests per minute" and "1 app(s)" read as machine output; every count the Live Portal and the
Admin Portal print in a sentence goes through `counted` (Django templates have `pluralize`, the
themes a plain `"" if n == 1 else "s"`). Imports no Django.
"""


def counted(count: int, one: str, many: str | None = None) -> str:
    """`count` and its noun in the right number; `many` for nouns not made plural by adding "s"
    ("policy", "policies"). Thousands are separated with commas, as the plans' limits always were."""
    return f"{count:,} {one if count == 1 else (many or one + 's')}"
