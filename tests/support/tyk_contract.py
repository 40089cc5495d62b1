"""The published Tyk Dashboard contract (contracts/tyk/dashboard-swagger.yml, vendored), to check the
simulator's answers against: every test that uses the `tyk_dashboard` fixture has each answer the
simulator gave validated when the test ends, so the simulator cannot drift from the real API."""

import functools
from pathlib import Path
from typing import Any

import yaml
from openapi_core import OpenAPI
from openapi_core.configurations import Config
from openapi_core.testing import MockRequest, MockResponse

CONTRACTS = Path(__file__).resolve().parents[2] / "contracts" / "tyk"
SPEC_HOST = "https://localhost:3000"  # the spec's server, https://{tenant} with its default


def load_spec() -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load((CONTRACTS / "dashboard-swagger.yml").read_text(), Loader=loader)  # noqa: S506 - a safe loader


@functools.cache
def contract() -> OpenAPI:
    # The published document does not pass the OpenAPI meta-schema itself (a boolean query
    # parameter has the string "false" as its default), so only responses are validated.
    return OpenAPI.from_dict(load_spec(), config=Config(spec_validator_cls=None))


def validate_answer(method: str, path: str, query: dict[str, Any], status: int, body: bytes, content_type: str,
                    spec: OpenAPI | None = None) -> None:
    """Raise unless this answer is documented for its request in the contract and matches it."""
    (spec or contract()).validate_response(
        MockRequest(SPEC_HOST, method.lower(), path, args=query),
        MockResponse(body, status_code=status, content_type=content_type),
    )


def validate_log(dashboard: Any) -> int:
    """Validate every answer `dashboard` gave that no failure mode changed; how many there were."""
    checked = 0
    for record in dashboard.requests:
        if record.status is None or record.reply is None:
            continue
        query = {k: v[-1] for k, v in record.query.items()}
        try:
            validate_answer(record.method, record.path, query, record.status, record.reply,
                            record.reply_content_type)
        except Exception as exc:
            raise AssertionError(f"the simulator's answer to {record.method} {record.path} ({record.status}) "
                                 f"breaks the Dashboard contract: {exc}") from exc
        checked += 1
    return checked
