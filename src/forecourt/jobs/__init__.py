"""Background jobs kept in the database and run by one worker process beside the web workers.

No broker is needed: a job is a row; the worker claims due rows, runs the registered handler,
and records success, a retry with backoff, or failure. Issues that need background work
(provider sync, provisioning, e-mail, webhooks) register handlers with `@jobs.handler`.
"""

from .registry import handler

__all__ = ["handler"]
