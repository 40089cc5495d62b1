"""The Admin API's request parser: JSON as Ninja parses it, refused if it holds text that cannot
be stored (forecourt.ops.unstorable), before any schema or view sees it."""

from typing import Any

from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict
from ninja.parser import Parser

from forecourt.ops import unstorable


class StorableTextParser(Parser):
    """Raises UnstorableText (422, each problem naming its JSON path) for NUL characters and lone
    surrogates anywhere in a body, or in form fields and file names of a multipart request.

    Ninja wraps what `parse_body` raises in HttpError(400, "Cannot parse request body"), keeping
    it as the cause; forecourt.api.errors answers that cause with 422.
    """

    def parse_body(self, request: HttpRequest) -> Any:
        data = super().parse_body(request)
        unstorable.refuse(data)
        return data

    def parse_querydict(self, data: MultiValueDict[str, Any], list_fields: list[str],
                        request: HttpRequest) -> dict[str, Any]:
        result = super().parse_querydict(data, list_fields, request)
        unstorable.refuse(result)
        return result
