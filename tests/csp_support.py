"""Reading a Content-Security-Policy header in tests.

django-csp builds the header from sets, so the order of its directives differs between processes
(hash randomisation): tests compare directives, never substrings that assume an order.
"""


def directives(header: str) -> dict[str, list[str]]:
    """The header's directives by name, each with its sources in the order written."""
    found: dict[str, list[str]] = {}
    for part in header.split(";"):
        if part.strip():
            name, *sources = part.split()
            found[name] = sources
    return found
