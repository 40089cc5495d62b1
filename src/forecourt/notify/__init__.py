"""E-mail to people: rendered from templates, recorded as EmailLog rows, delivered by the job queue.

Callers use `forecourt.notify.email.send` (queued, transactional) or `send_test` (the Settings
page's button, synchronous). Delivery settings come from PortalSettings at sending time, so an
admin can fix SMTP settings and the queued mail still goes out on the next retry.
"""
