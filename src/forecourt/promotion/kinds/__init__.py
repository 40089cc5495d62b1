"""Every kind a configuration file may hold, in the order apply writes them: what others refer to
first (providers before products, products and plans before catalogues, organisations and teams
before the catalogues' audiences and SSO profiles)."""

from . import content, identity, settings, themes
from .base import KINDS, KINDS_BY_NAME, Child, ChildKind, Context, Field, Invalid, Kind, register
from .catalogue import Catalogues, Plans, Products, Providers
from .people import Organisations

register(Providers(), Organisations(), *settings.KINDS_HERE, Products(), Plans(), Catalogues(),
         *identity.KINDS_HERE, *content.KINDS_HERE, *themes.KINDS_HERE)

__all__ = ["KINDS", "KINDS_BY_NAME", "Child", "ChildKind", "Context", "Field", "Invalid", "Kind"]
