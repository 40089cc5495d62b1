"""Search across everything a Live Portal user may see: products, their API operations
(path, summary, description from the OpenAPI documents) and getting-started documents, pages and
posts, in one index (`models.SearchEntry`) with each engine's full-text search.

`indexing.py` writes the index (signals, `deferred()` for a sync, `rebuild()`); `operations.py` reads
a document's operations (capped); `query.py` THE permission rule and the ranked, highlighted query."""
