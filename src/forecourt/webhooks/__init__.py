"""Outgoing webhooks: events recorded with the change that causes them, delivered by the job worker.

`events.emit()` stores the event, one delivery per subscribed endpoint and their jobs in the
caller's transaction (the outbox); `delivery.py` signs and sends each one, retrying with backoff.
"""
