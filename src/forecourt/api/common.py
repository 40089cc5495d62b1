"""Shared pieces of the Admin API: timestamps, pagination, envelopes, the acting admin."""

from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar, cast

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Schema
from ninja import Path as PathParam

from forecourt.accounts.models import User
from forecourt.paging import rows_between

T = TypeVar("T")

MAX_PER_PAGE = 100
MAX_ID = 2**31 - 1
# IDs in bodies and paths are bounded: a larger number is no row's ID, and SQLite cannot even compare with it.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
PathId = Annotated[int, PathParam(ge=1, le=MAX_ID)]


def tyk_time(value: datetime | None) -> str | None:
    """Tyk's timestamp format, "YYYY-MM-DD hh:mm", in UTC."""
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


class Paging(Schema):
    """Tyk's portal paging: `page` (from 1), `per_page` (20) and `limit`. `p`, the Tyk Dashboard
    API's page parameter (portal-go's ListApps sends `p=-2`), is not the portal's and is ignored,
    as Tyk's portal ignores it."""

    page: int = Field(1, ge=1, le=1_000_000, description="1-based page number.")
    per_page: int = Field(20, ge=1, le=MAX_PER_PAGE, description=f"Items per page, at most {MAX_PER_PAGE}.")
    limit: int | None = Field(None, ge=1, le=MAX_PER_PAGE, description="The most items to answer (Tyk's): the "
                              "page's offset still counts in `per_page`. Not given: `per_page`.")


PagingQuery = Query[Paging]


def page_of(queryset: QuerySet[Any], paging: Paging) -> list[Any]:
    """The requested page of `queryset` (empty past the end), as Tyk lists it: a bare array."""
    start = (paging.page - 1) * paging.per_page
    return rows_between(queryset, start, start + (paging.limit or paging.per_page))


class StatusOut(Schema):
    status: str = "ok"


class MessageOut(Schema):
    status: str = "ok"
    message: str


class ErrorOut(Schema):
    status: str = "error"
    errors: list[str]


ERRORS: dict[int, type[Schema]] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut,
                                   413: ErrorOut, 422: ErrorOut}


def actor(request: HttpRequest) -> User:
    """The admin the token belongs to (set by forecourt.api.auth)."""
    return cast("User", request.user)
