"""/portal-api: apps (to be written)."""

from ninja import Router

router = Router(tags=["apps"])
