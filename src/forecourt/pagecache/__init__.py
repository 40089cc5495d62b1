"""The Live Portal's page cache and the content revision that keys it (docs/configuration.md, "Caching").

`revision.bump()` is the one rule for "what anonymous pages show has changed": it runs in the
transaction of the change (signals in `signals.py`, and explicit calls where code writes with
QuerySet.update or bulk_create). `middleware.PageCacheMiddleware` serves anonymous pages from
Django's cache under keys that hold the revision; `fragments.cached()` keeps user-independent
parts of signed-in pages under the same revision.
"""
