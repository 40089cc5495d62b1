"""Usage analytics: each credential's traffic per day, cached from its provider's analytics
(docs/usage.md). `models.py` the cache; `refresh.py` THE rule of when and how it is refreshed (the
scheduled job, and on demand when a page finds it stale, never in the page's request); `reports.py`
what pages show from it (a period's series, totals, the quota used, the Admin Portal's top lists);
`csv_export.py` the CSV download, cells escaped against formula injection."""
