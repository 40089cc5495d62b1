"""Base of the Admin API's response schemas: Tyk's PascalCase field names, as declared."""

from ninja import Schema


class Out(Schema):
    pass
