"""`fragment("partials/x.html", name=value, ...)`: a partial rendered with only the values it is
given, and kept rendered in the page cache's store.

Why a helper and not a `{% cache %}` tag: a cached block sees the whole page's context, so a theme
that printed `{{ user.name }}` or a CSRF token inside one would show one user's name, or token, to
the next (the trap of Django's own `{% cache %}` tag). A fragment is rendered in a context made of
its arguments and the page-independent helpers (`url`, `asset`, `portal`, `scripts`) and nothing
else: `user`, `csrf_input`, `csp_nonce`, `messages` and `request_path` are undefined in it, so what
it renders depends only on its arguments, the theme's revision and the portal's content revision,
which are its key (pagecache.fragments). A signed-in catalogue page's cards are the same for every
user who sees the same products, so they are rendered once, not on every request.

The partial runs in the calling page's sandbox and budget: its loading is a step, its loops and
calls are counted as the page's own, and an error in it is the page's error (the page falls back
to the default theme). Arguments must be plain data, which a page's context always is.
"""

from collections.abc import Callable
from typing import Any

from markupsafe import Markup

from forecourt.pagecache import fragments as shared

from .budget import current
from .context import JSONDict, JSONList, helper
from .sandbox import PortalSandbox

# The page's variables a fragment may see: the same for every request to the same theme.
SHARED_NAMES = ("url", "asset", "portal", "scripts")


def fragment_helper(env: PortalSandbox, data: dict[str, Any]) -> Callable[..., Markup]:
    shared_values = {name: data[name] for name in SHARED_NAMES if name in data}
    portal = data.get("portal") or {}

    @helper
    def fragment(template: str, **values: Any) -> Markup:
        def render() -> bytes:
            current().step()  # loading a template is a step, as an include is
            loaded = env.get_template(str(template))
            return "".join(loaded.generate({**values, **shared_values})).encode()

        # A value that names itself (context.decoded_json) is keyed by its name: no need to encode it.
        # Names and values are kept apart in the key, so that no value a template makes can pass for a name.
        names = {name: _identity(value) for name, value in values.items()}
        plain_values = {name: value for name, value in values.items() if names[name] is None}
        parts = [getattr(env, "revision_key", None), portal.get("theme"), str(template), plain_values,
                 {name: identity for name, identity in names.items() if identity is not None}]
        if parts[0] is None:
            return Markup(render().decode())  # noqa: S704 - an autoescaped template's output; not cached
        return Markup(shared.cached_bytes("theme-fragment", parts, render).decode())  # noqa: S704 - the same, kept

    return fragment


def _identity(value: Any) -> str | None:
    return value.identity if isinstance(value, (JSONDict, JSONList)) else None
