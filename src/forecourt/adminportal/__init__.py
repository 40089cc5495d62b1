"""The Admin Portal at /portal-admin: server-rendered pages for API owners."""
