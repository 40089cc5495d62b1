"""What the areas' sample contexts (`<area>/samples.py`) share: a form field as the Live Portal's
views give it to templates (`form_data()` in the areas' forms), for theme validation."""

from typing import Any


def field(name: str, label: str, kind: str = "text", value: str = "", **extra: Any) -> dict[str, Any]:
    """A sample form field; `extra` overrides the defaults (errors, required, help, choices, maxlength...)."""
    return {"name": name, "id": f"id_{name}", "label": label, "type": kind, "value": value, "required": True,
            "errors": [], "help": "", "choices": [], "autocomplete": "", "maxlength": None, **extra}
