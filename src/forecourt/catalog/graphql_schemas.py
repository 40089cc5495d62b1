"""THE rule for a GraphQL schema an admin gives a product API or a specification (Tyk's "GraphQL
schema" of a spec detail): what is accepted, how it is stored, and what the Live Portal's playground
is given.

Accepted: SDL (`.graphql`, `.gql`, or pasted text) or the result of an introspection query (`.json`:
`{"data": {"__schema": ...}}` or `{"__schema": ...}`), at most MAX_BYTES, UTF-8. graphql-core checks
it as a server would (syntax, then the SDL rules, then the schema rules: a Query type, known types,
one definition per name...); every problem is reported with its line, as OpenAPI documents' are
(forecourt.catalog.documents), so an admin fixes them all in one go.

Stored as SDL, whatever came: an introspection result is printed back as SDL, so there is one format
to read, diff and serve, and the Live Portal computes the introspection GraphiQL needs from it
(`introspection`), never asking the API itself (it may have no endpoint, or refuse introspection).
"""

import json
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext, ngettext
from graphql import (
    GraphQLError,
    GraphQLSchema,
    build_ast_schema,
    build_client_schema,
    introspection_from_schema,
    parse,
    print_schema,
    validate_schema,
)
from graphql.validation.validate import validate_sdl

from forecourt.wording import counted_in

from .documents import InvalidDocument, Problem, decode

MAX_BYTES = 2 * 1024 * 1024  # a schema's size: thousands of types fit; more is not a schema a page can show
EXTENSIONS = (".graphql", ".gql", ".json")


@dataclass(frozen=True)
class Summary:
    """What an admin is told about a schema: its kinds of operation and its number of types."""

    types: int  # the schema's own named types (not the built-in scalars and introspection types)
    queries: int
    mutations: int
    subscriptions: int

    def __str__(self) -> str:
        parts = [counted_in(ngettext("%(count)s type", "%(count)s types", self.types), self.types),
                 counted_in(ngettext("%(count)s query", "%(count)s queries", self.queries), self.queries)]
        if self.mutations:
            parts.append(counted_in(ngettext("%(count)s mutation", "%(count)s mutations", self.mutations),
                                    self.mutations))
        if self.subscriptions:
            parts.append(counted_in(ngettext("%(count)s subscription", "%(count)s subscriptions",
                                             self.subscriptions), self.subscriptions))
        return gettext("GraphQL schema, %(parts)s") % {"parts": ", ".join(parts)}


def _problems(errors: list[GraphQLError]) -> list[Problem]:
    found = []
    for error in errors:
        where = error.locations[0] if error.locations else None
        found.append(Problem(error.message, where.line if where else None, where.column if where else None))
    return found


def _too_large(size: int) -> str:
    return f"the schema is {size / 1024 / 1024:.1f} MB; the limit is {MAX_BYTES // 1024 // 1024} MB"


def read_upload(upload: Any) -> str:
    """An uploaded schema file as text: its name must end in .graphql, .gql or .json; refused unread when
    too large. InvalidDocument says why not."""
    name = str(getattr(upload, "name", "") or "")
    if not name.lower().endswith(EXTENSIONS):
        raise InvalidDocument([Problem(f"{name or 'the file'}: a GraphQL schema is a .graphql or .gql file (SDL) "
                                       "or a .json file (an introspection result)")])
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise InvalidDocument([Problem(_too_large(size))])
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise InvalidDocument([Problem(_too_large(len(data)))])
    return decode(data)


def _from_introspection(text: str) -> GraphQLSchema:
    try:
        data = json.loads(text)
    except ValueError as exc:
        line = getattr(exc, "lineno", None)
        raise InvalidDocument([Problem(f"not JSON: {getattr(exc, 'msg', exc)}", line,
                                       getattr(exc, "colno", None))]) from None
    if isinstance(data, dict) and isinstance(data.get("data"), dict):
        data = data["data"]
    if not isinstance(data, dict) or not isinstance(data.get("__schema"), dict):
        raise InvalidDocument([Problem("a JSON schema must be an introspection result: an object with "
                                       "\"__schema\" (or \"data\": {\"__schema\": ...})")])
    try:
        return build_client_schema(data)  # type: ignore[arg-type]  # checked as it is built
    except (TypeError, ValueError, KeyError, GraphQLError) as exc:
        raise InvalidDocument([Problem(f"the introspection result cannot be read: {exc}")]) from None


def _from_sdl(text: str) -> GraphQLSchema:
    try:
        document = parse(text, no_location=False)
    except GraphQLError as exc:
        raise InvalidDocument(_problems([exc])) from None
    errors = validate_sdl(document)
    if errors:
        raise InvalidDocument(_problems(errors))
    return build_ast_schema(document, assume_valid_sdl=True)


def _is_json(text: str) -> bool:
    return text.lstrip().startswith("{")


def schema_of(text: str) -> GraphQLSchema:
    """The checked schema of an SDL text or an introspection result; InvalidDocument with every problem."""
    size = len(text.encode("utf-8"))
    if size > MAX_BYTES:
        raise InvalidDocument([Problem(_too_large(size))])
    if not text.strip():
        raise InvalidDocument([Problem("the schema is empty")])
    schema = _from_introspection(text) if _is_json(text) else _from_sdl(text)
    errors = validate_schema(schema)
    if errors:
        raise InvalidDocument(_problems(list(errors)))
    return schema


def summary_of(schema: GraphQLSchema) -> Summary:
    own = [name for name in schema.type_map if not name.startswith("__")
           and name not in ("String", "Int", "Float", "Boolean", "ID")]
    return Summary(types=len(own),
                   queries=len(schema.query_type.fields) if schema.query_type else 0,
                   mutations=len(schema.mutation_type.fields) if schema.mutation_type else 0,
                   subscriptions=len(schema.subscription_type.fields) if schema.subscription_type else 0)


def check(text: str) -> tuple[str, Summary]:
    """(the SDL to store, its summary) for an admin's schema; InvalidDocument with every problem otherwise.
    SDL is stored as written; an introspection result as the SDL it stands for."""
    schema = schema_of(text)
    stored = print_schema(schema) + "\n" if _is_json(text) else text
    return stored, summary_of(schema)


def describe(text: str) -> Summary | None:
    """The summary of a stored schema, or None when there is none (or it no longer passes)."""
    if not text:
        return None
    try:
        return summary_of(schema_of(text))
    except InvalidDocument:
        return None


def introspection(text: str) -> dict[str, Any] | None:
    """The introspection result of a stored schema (what GraphiQL's docs explorer reads), computed here so
    the playground works without asking the API; None when there is none or it cannot be read."""
    if not text:
        return None
    try:
        return dict(introspection_from_schema(schema_of(text)))
    except InvalidDocument:
        return None

