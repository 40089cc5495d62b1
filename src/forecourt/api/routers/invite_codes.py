"""/portal-api: invite codes (to be written)."""

from ninja import Router

router = Router(tags=["invite codes"])
