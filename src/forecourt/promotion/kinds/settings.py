"""The general settings (one mapping; SMTP password by reference) and users' custom attributes, as
configuration files give them. (Placeholder: filled in by the kinds' work of issue 20.)"""

from .base import Kind

KINDS_HERE: tuple[Kind, ...] = ()
