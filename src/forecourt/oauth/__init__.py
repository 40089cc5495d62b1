"""OAuth 2.0 identity providers, their client types, and Dynamic Client Registration (RFC 7591 / 7592)."""
