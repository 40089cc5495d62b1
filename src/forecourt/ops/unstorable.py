"""Text that no database can store, refused where it comes in, with the field named.

PostgreSQL refuses NUL characters in text (and `\\u0000` in jsonb), and a lone UTF-16 surrogate
(`"\\ud800"`, which JSON escapes and YAML can spell) cannot be encoded as UTF-8 by any driver:
such values used to reach the driver and answer 500. They are refused at the doors text comes in
by, once each, never field by field:

- the Admin API's parser (`forecourt.api.parser`): the decoded JSON body, before any schema or
  view runs: 422 naming the JSON path (`Name`, `Tags[2]`, `Configuration.MetaData`);
- every Django form (`check_forms()`, installed at start-up): the field gets a form error and
  nothing of the form is cleaned, looked up or saved;
- `RefuseUnstorableText`, a middleware: the path, query string and cookies of every request
  (searches, filters, slugs, the session's key, which no form reads): 400, or the API's 422
  envelope under /portal-api/.

Django already replaces bytes that are not UTF-8 in form, multipart and query data with U+FFFD,
so from a browser only NUL arrives; JSON bodies can carry both.
"""

from collections.abc import Callable, Iterator
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.forms.utils import ErrorDict
from django.http import HttpRequest, HttpResponse, JsonResponse

NUL = "contains a NUL character, which cannot be stored"
SURROGATE = "contains an unpaired surrogate (text that is not valid Unicode), which cannot be stored"


class UnstorableText(ValueError):
    """Raised with every problem, each as "path: what is wrong"."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


def problem(text: str) -> str | None:
    """What makes `text` unstorable, or None if it can be stored."""
    if "\x00" in text:
        return NUL
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return SURROGATE
    return None


def printable(text: str) -> str:
    """`text` safe to show in an error message (a bad key is named, escaped)."""
    return text.encode("unicode_escape").decode("ascii") if problem(text) else text


def _walk(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        found = problem(value)
        if found:
            yield path, found
    elif isinstance(value, dict):
        for key, item in value.items():
            name = str(key)
            child = f"{path}.{printable(name)}" if path else printable(name)
            found = problem(name)
            if found:
                yield child, f"(a key) {found}"
            yield from _walk(item, child)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}[{index}]")
    elif isinstance(value, UploadedFile) and value.name:
        found = problem(value.name)
        if found:
            yield path, f"(its file name) {found}"


def problems(value: Any, path: str = "") -> list[str]:
    """"path: problem" for every string in `value` (decoded JSON: dicts, lists, strings; keys too)
    that cannot be stored. Paths are written as the API writes field names: `Tags[2]`, `A.B`."""
    return [f"{where}: {found}" if where else found for where, found in _walk(value, path)]


def refuse(value: Any) -> None:
    """Raise UnstorableText if anything in `value` cannot be stored."""
    found = problems(value)
    if found:
        raise UnstorableText(found)


# --- forms ------------------------------------------------------------------------------------

def _form_problems(form: forms.BaseForm) -> list[tuple[str, str]]:
    """(field name, message) for each field whose submitted value cannot be stored."""
    found = []
    for name, field in form.fields.items():
        if field.disabled:
            continue
        for _, message in _walk(form[name].data, ""):
            found.append((name, message[0].upper() + message[1:] + "."))
    return found


def check_forms() -> None:
    """Make every Django form refuse unstorable text in its fields before cleaning anything.

    The one place all forms go through is `BaseForm.full_clean`; wrapping it there, rather than
    in each field or form, covers Django's own forms (sign-in), the portals' and the ones the
    Admin API and the CLI fill in. A form with such a field is invalid with only those errors:
    no field is cleaned, so no `clean_*` method looks the value up in the database. Values that
    cleaning decodes (a JSON field's content) are checked afterwards, as cleaned.
    """
    if getattr(forms.BaseForm.full_clean, "refuses_unstorable_text", False):
        return
    original: Callable[[forms.BaseForm], None] = forms.BaseForm.full_clean

    def full_clean(self: forms.BaseForm) -> None:
        found = _form_problems(self) if self.is_bound else []
        if not found:
            original(self)
            cleaned = getattr(self, "cleaned_data", {})
            for name in list(cleaned):
                for _, message in _walk(cleaned.get(name), ""):
                    self.add_error(name, message[0].upper() + message[1:] + ".")
            return
        self._errors = ErrorDict(renderer=self.renderer)  # type: ignore[attr-defined]  # as full_clean does
        self.cleaned_data = {}
        for name, message in found:
            self.add_error(name, message)

    full_clean.refuses_unstorable_text = True  # type: ignore[attr-defined]
    forms.BaseForm.full_clean = full_clean  # type: ignore[method-assign]


# --- paths and query strings ------------------------------------------------------------------

def request_problems(request: HttpRequest) -> list[str]:
    """Problems of the request's path, query string and cookies, each naming the parameter."""
    found = [f"the address {message}" for _, message in _walk(request.path_info, "")]
    for key, values in request.GET.lists():
        key_problem = problem(key)
        if key_problem:
            found.append(f"{printable(key)}: (the parameter's name) {key_problem}")
        for value in values:
            found.extend(problems(value, printable(key)))
    for name, value in request.COOKIES.items():  # the session cookie is looked up in the database
        found.extend(f"the cookie {message}" for message in problems(value, printable(name)))
    return list(dict.fromkeys(found))


class RefuseUnstorableText:
    """Paths, query strings and cookies that cannot be stored (or looked up: PostgreSQL refuses
    NUL even in a search or a session key) are refused before any view runs: 422 with the Admin
    API's envelope under /portal-api/, else 400, naming the parameter."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        found = request_problems(request)
        if not found:
            return self.get_response(request)
        if request.path_info.startswith("/portal-api/"):
            return JsonResponse({"status": "error", "errors": found}, status=422)
        return HttpResponse("Bad request: " + "; ".join(found) + "\n", status=400,
                            content_type="text/plain; charset=utf-8")
