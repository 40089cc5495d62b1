"""The Admin API at /portal-api, compatible with Tyk's portal API (Django Ninja)."""
