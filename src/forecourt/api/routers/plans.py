"""/portal-api: plans (to be written)."""

from ninja import Router

router = Router(tags=["plans"])
