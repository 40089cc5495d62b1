"""The catalogue's MCP server at /mcp (Model Context Protocol, Streamable HTTP; docs/mcp.md).

A user interface beside the Live Portal and the Admin API: an MCP client (an AI assistant, an
IDE) reads the catalogue as the user whose portal API token it sends, and sees exactly what that
user sees on the Live Portal. Read-only. The protocol is the maintained SDK's (`mcp`); this package
holds the tools (`catalogue.py`, over catalog's services), the SDK server they are registered with
and the token check (`server.py`), and how a Django request reaches the SDK's ASGI app and back
(`bridge.py`, `views.py`).
"""
