"""What a language switcher shows, the same in both portals: the languages offered, each named in its
own language, the current one marked, and the page's `lang` and `dir`."""

from typing import Any

from django.utils import translation

from . import languages, negotiation


def data() -> dict[str, Any]:
    """For the active language (the middleware's): plain data, fit for a theme's context."""
    current = translation.get_language() or languages.DEFAULT
    offered = [languages.BY_CODE[code] for code in negotiation.offer().offered if code in languages.BY_CODE]
    return {
        "code": current,
        "dir": languages.direction(current),
        "offered": [{"code": language.code, "name": language.name, "current": language.code == current}
                    for language in offered],
    }
