"""/portal-api: access requests (to be written)."""

from ninja import Router

router = Router(tags=["access requests"])
