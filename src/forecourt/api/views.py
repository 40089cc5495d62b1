"""Admin API operations. Each is a thin layer over a service function."""

from typing import Any

from django.http import HttpRequest
from ninja import NinjaAPI, Status
from ninja.errors import HttpError

import forecourt
from forecourt.accounts import services as accounts
from forecourt.ops.models import SchemaVersion

from . import errors, routers
from .auth import AdminToken
from .common import ERRORS
from .parser import StorableTextParser
from .routers import (  # noqa: F401 - imported for api.add_router below
    access_requests,
    apps,
    asyncapi_documents,
    audit,
    catalogues,
    config,
    configs,
    custom_attributes,
    custom_credentials,
    graphql_schemas,
    invite_codes,
    menus,
    oauth_providers,
    organisations,
    pages,
    plans,
    posts,
    products,
    providers,
    sso_profiles,
    tags,
    themes,
    users,
    webhooks,
)
from .schemas import BootstrapData, BootstrapIn, BootstrapOut, VersionOut

api = NinjaAPI(
    title="Forecourt Admin API",
    version=forecourt.__version__,
    description="Configure the portal as code. Compatible with the Tyk Enterprise Developer Portal's API.",
    urls_namespace="portal-api",
    auth=AdminToken(),
    openapi_url="/openapi.json",
    docs_url="/docs",
    parser=StorableTextParser(),
)
errors.install(api)

for _module in (routers.providers, routers.products, routers.plans, routers.catalogues, routers.organisations,
                routers.users, routers.invite_codes, routers.access_requests, routers.apps, routers.configs,
                routers.audit, routers.themes, routers.pages, routers.menus, routers.webhooks, routers.tags,
                routers.custom_credentials, routers.custom_attributes, routers.posts, routers.graphql_schemas,
                routers.asyncapi_documents,
                routers.oauth_providers, routers.sso_profiles, routers.config):
    api.add_router("", _module.router)


@api.post("/bootstrap", auth=None, response={200: BootstrapOut, **ERRORS},
          summary="Create the first super-admin", tags=["bootstrap"])
def bootstrap(request: HttpRequest, payload: BootstrapIn) -> Status[Any]:
    """Create the first super-admin, the Default Organisation and its Default Team.

    Answers with the admin's API token, once. Later calls answer 409 and change nothing.
    """
    try:
        result = accounts.bootstrap(payload.username, payload.password, payload.first_name, payload.last_name)
    except accounts.AlreadyBootstrapped as exc:
        raise HttpError(409, str(exc)) from exc
    return Status(200, BootstrapOut(data=BootstrapData(api_token=result.api_token)))


@api.get("/version", response={200: VersionOut, **ERRORS}, summary="The running version", tags=["version"])
def version(request: HttpRequest) -> VersionOut:
    return VersionOut(version=forecourt.__version__, schema_version=SchemaVersion.last_version())
