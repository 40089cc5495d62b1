"""/portal-api: providers (to be written)."""

from ninja import Router

router = Router(tags=["providers"])
