"""Providers: gateways whose policies become products and plans (the Tyk Dashboard first)."""
