"""Configuration: Tyk-compatible settings from defaults, portal.conf and PORTAL_* variables.

Nothing here imports Django, so the CLI can validate configuration (and exit 2 with the
setting's name) before Django is set up. `get()` returns the process-wide configuration.
"""

from .errors import ConfigError
from .loader import Config, get, load, reset

__all__ = ["Config", "ConfigError", "get", "load", "reset"]
