"""Forecourt: a self-hosted API developer portal.

The version below is the one source of truth: packaging (pyproject.toml), the CLI, the
Admin API, the Admin Portal footer and the start-up log all read it from here.
"""

__version__ = "0.16.0.dev0"
