"""The words a fresh portal's home page is seeded with, and the rule that keeps them from hiding a
theme's own words.

Migration 0002_home_page gives every portal a published home page with the default theme's two
blocks, so that admins can change the headline without touching a theme. But a block always wins
over the text a template falls back on, so a theme author's new headline would never show. The
rule: a block of the home page that still holds, word for word, the text it was seeded with is
the theme's business, not the admins' - it is left out of the template's `blocks`, and the theme's
own text shows. Once an admin changes it (Admin Portal or Admin API), it is theirs and wins.
Comparing the text (not timestamps) keeps the rule the same on every database and after a restore;
an admin who types the seeded text back hands the words back to the theme, which looks the same.
"""

HOME_PATH = "/"

# What 0002_home_page seeded (a migration keeps its own frozen copy; tests/test_content.py checks
# that the two agree).
HOME_BLOCKS: dict[str, str] = {
    "HeaderTitle": "Build with our APIs",
    "HeaderDescription": "Browse the catalogue, read the documentation and get credentials for your applications.",
}


def untouched(path: str, name: str, content: str) -> bool:
    """True for a home page block that still holds the text it was seeded with."""
    return path == HOME_PATH and HOME_BLOCKS.get(name) == content
