"""/portal-api: users (to be written)."""

from ninja import Router

router = Router(tags=["users"])
