"""/portal-api: configs (to be written)."""

from ninja import Router

router = Router(tags=["configs"])
