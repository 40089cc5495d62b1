"""Pages (with their content blocks), menus, the blog's categories and posts, as configuration files
give them. (Placeholder: filled in by the kinds' work of issue 20.)"""

from .base import Kind

KINDS_HERE: tuple[Kind, ...] = ()
