"""SSO profiles, OAuth providers and their client types, and webhooks, as configuration files give
them. (Placeholder: filled in by the kinds' work of issue 20.)"""

from .base import Kind

KINDS_HERE: tuple[Kind, ...] = ()
