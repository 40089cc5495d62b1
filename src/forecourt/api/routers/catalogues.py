"""/portal-api: catalogues (to be written)."""

from ninja import Router

router = Router(tags=["catalogues"])
