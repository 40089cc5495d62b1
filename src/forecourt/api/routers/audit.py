"""/portal-api: audit log (to be written)."""

from ninja import Router

router = Router(tags=["audit log"])
