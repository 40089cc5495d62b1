from ninja import Schema
from pydantic import ConfigDict, Field


class StatusOut(Schema):
    status: str = "ok"


class ErrorOut(Schema):
    status: str = "error"
    errors: list[str]


class BootstrapIn(Schema):
    """The first admin, as in Tyk's `POST /portal-api/bootstrap`."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(max_length=254, description="The admin's e-mail address.")
    password: str = Field(max_length=128)
    first_name: str = Field(default="", max_length=150)
    last_name: str = Field(default="", max_length=150)


class BootstrapData(Schema):
    api_token: str = Field(description="The admin's API token. Shown this once; only a digest is stored.")


class BootstrapOut(Schema):
    """Tyk's answer, so scripts that read `.data.api_token` keep working."""

    code: str = "OK"
    message: str = "Bootstrapped user successfully"
    data: BootstrapData


class VersionOut(Schema):
    version: str
    schema_version: str | None = Field(description="The Forecourt version that last migrated the database.")
