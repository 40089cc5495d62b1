"""THE site search's query: `search(user, text, limit, offset)`, with the one permission rule of what
a user may find, ranked by the engine's full-text index, each hit with a highlighted snippet.

Who may find what (here and nowhere else):
- a product's entries (the product, its operations, its getting-started documents): only while
  the product is one the user may see (forecourt.catalog.services.visible_products: published, not
  hidden by a sync, in a catalogue of the user's), checked in the same query, so a private
  catalogue's operations never reach an outsider, not even as a count;
- pages: indexed only while published (forecourt.sitesearch.indexing), so always;
- posts: indexed only while published, found once their publish date has come.

The words are parsed as the catalogue's search parses them (forecourt.catalog.search.terms: letters
and digits only, so no query syntax reaches an engine); every word must match, the last one as a
prefix. The index is the engine's own (migration sitesearch.0001): SQLite FTS5 ranked by bm25(),
PostgreSQL's weighted tsvector ranked by ts_rank(), MariaDB's FULLTEXT in boolean mode, with words
that index cannot hold (short ones, InnoDB's stop words) matched by `icontains`.
"""

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone
from markupsafe import Markup, escape

from forecourt.catalog.search import INNODB_STOPWORDS, mariadb_min_token, terms
from forecourt.catalog.services import visible_products

from .models import TRANSLATIONS, SearchEntry

MAX_LIMIT = 50
MAX_OFFSET = 1000  # deep pages cost the engine the rows before them; nobody reads page 50 of a search
SNIPPET = 180  # characters of text around the first matched word
TITLE_WEIGHT, BODY_WEIGHT = 10.0, 1.0
FIELDS = ("pk", "kind", "title", "body", "product_id", "product__slug", "product__display_name", "api_id",
          "spec_id", "doc_id", "method", "path", "published_at")


@dataclass(frozen=True)
class Hit:
    kind: str
    title: str
    snippet: Markup  # the text escaped, then the matched words marked: safe to show as HTML
    product_slug: str
    product_name: str
    api_id: int | None
    spec_id: int | None
    doc_id: int | None
    method: str
    path: str
    published_at: datetime | None


def visible_entries(user: Any) -> QuerySet[SearchEntry]:
    """THE rule: the entries `user` (a User, an AnonymousUser or None) may find, as one lazy query."""
    return SearchEntry.objects.filter(
        Q(product_id__in=visible_products(user).values("pk"))
        | Q(product__isnull=True, kind=SearchEntry.Kind.PAGE)
        | Q(product__isnull=True, kind=SearchEntry.Kind.POST, published_at__lte=timezone.now()))


def search(user: Any, text: str, limit: int = 20, offset: int = 0) -> list[Hit]:
    """The entries `user` may find that match every word of `text`, best first; [] without a usable
    word. One query whatever the number of hits. Ask for one more than a page to learn whether
    there is a next one."""
    words = terms(text or "")
    limit, offset = max(0, min(int(limit), MAX_LIMIT + 1)), max(0, min(int(offset), MAX_OFFSET))
    if not words or not limit:
        return []
    entries = _matching(visible_entries(user), words)
    rows = list(entries.values(*FIELDS)[offset:offset + limit])
    return [Hit(kind=r["kind"], title=r["title"].split("\n")[0], snippet=snippet(r["body"] or r["title"], words),
                product_slug=r["product__slug"] or "", product_name=r["product__display_name"] or "",
                api_id=r["api_id"], spec_id=r["spec_id"], doc_id=r["doc_id"], method=r["method"], path=r["path"],
                published_at=r["published_at"]) for r in rows]


def _contains(word: str) -> Q:
    return Q(title__icontains=word) | Q(body__icontains=word)


def _matching(entries: QuerySet[SearchEntry], words: list[str]) -> QuerySet[SearchEntry]:
    """`entries` narrowed to those matching `words` (the last as a prefix), ranked best first."""
    vendor = connection.vendor
    if vendor == "sqlite":
        expr = " ".join(f'"{w}"' for w in words) + "*"
        return entries.extra(  # every value is a parameter
            tables=["sitesearch_searchentry_fts"],
            # The unary + keeps SQLite from reaching the FTS table by rowid: its MATCH drives the join, once.
            where=['+sitesearch_searchentry_fts.rowid = "sitesearch_searchentry"."id"',
                   "sitesearch_searchentry_fts MATCH %s", "sitesearch_searchentry_fts.rank MATCH %s"],
            params=[expr, f"bm25({TITLE_WEIGHT}, {BODY_WEIGHT})"],
            select={"search_rank": "-sitesearch_searchentry_fts.rank"}).order_by("-search_rank", "pk")
    if vendor == "postgresql":
        expr = " & ".join(f"'{w}'" for w in words) + ":*"
        return entries.extra(  # every value is a parameter
            where=["sitesearch_searchentry.search @@ to_tsquery('simple'::regconfig, %s)"], params=[expr],
            select={"search_rank": "ts_rank(sitesearch_searchentry.search, to_tsquery('simple'::regconfig, %s))"},
            select_params=[expr]).order_by("-search_rank", "pk")
    if vendor == "mysql":
        shortest = mariadb_min_token(entries.db)

        def in_index(word: str) -> bool:
            return len(word) >= shortest and word not in INNODB_STOPWORDS

        indexed = [w for w in words[:-1] if in_index(w)] + ([words[-1] + "*"] if in_index(words[-1]) else [])
        for word in words:
            if not in_index(word):
                entries = entries.filter(_contains(word))
        if not indexed:
            return entries.order_by("pk")
        expr = " ".join(f"+{w}" for w in indexed)
        return entries.extra(  # every value is a parameter
            where=["MATCH(sitesearch_searchentry.title, sitesearch_searchentry.body) AGAINST (%s IN BOOLEAN MODE)"],
            params=[expr],
            select={"search_rank": "MATCH(sitesearch_searchentry.title) AGAINST (%s IN BOOLEAN MODE) * %s + "
                                   "MATCH(sitesearch_searchentry.title, sitesearch_searchentry.body) "
                                   "AGAINST (%s IN BOOLEAN MODE)"},
            select_params=[expr, TITLE_WEIGHT, expr]).order_by("-search_rank", "pk")
    for word in words:  # another engine has no index here
        entries = entries.filter(_contains(word))
    return entries.order_by("pk")


# -- snippets --------------------------------------------------------------------------------------

def _pattern(words: list[str]) -> re.Pattern[str]:
    """The words as they match: whole words, the last one also as a prefix."""
    whole = [re.escape(w) for w in words[:-1]]
    last = re.escape(words[-1]) + r"\w*"
    return re.compile(r"(?<!\w)(?:" + "|".join([*(f"{w}(?!\\w)" for w in whole), last]) + ")", re.IGNORECASE)


def snippet(text: str, words: list[str]) -> Markup:
    """A window of `text` around its first matched word, as HTML: the text is escaped piece by piece
    and only the matched words are wrapped in <mark> (the document's text is never trusted as HTML).
    Taken from the entry's own text, or from its translations' when only they hold the words searched."""
    pattern = _pattern(words) if words else None
    own, _, translated = text.partition(TRANSLATIONS)
    if translated and pattern is not None and not pattern.search(own) and pattern.search(translated):
        own = translated
    flat = " ".join(own.split())
    first = pattern.search(flat) if pattern else None
    start = 0 if first is None else max(0, first.start() - SNIPPET // 3)
    if start:
        space = flat.find(" ", start)
        start = space + 1 if 0 <= space < (first.start() if first else start) else start
    end = min(len(flat), start + SNIPPET)
    if end < len(flat):
        space = flat.rfind(" ", start, end)
        end = space if space > start else end
    window = flat[start:end]
    out = Markup("…") if start else Markup("")
    done = 0
    for match in (pattern.finditer(window) if pattern else ()):
        out += escape(window[done:match.start()]) + Markup("<mark>%s</mark>") % match.group(0)
        done = match.end()
    out += escape(window[done:])
    return out + Markup("…") if end < len(flat) else out
