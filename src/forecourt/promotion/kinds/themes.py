"""Themes by name, version and the hash of their archive, the archive beside the file.
(Placeholder: filled in by the kinds' work of issue 20.)"""

from .base import Kind

KINDS_HERE: tuple[Kind, ...] = ()
