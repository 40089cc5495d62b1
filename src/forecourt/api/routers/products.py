"""/portal-api: products (to be written)."""

from ninja import Router

router = Router(tags=["products"])
