"""Every operation of Tyk's portal Admin API (tests/contracts/tyk-portal/operations.json, derived from
tyk-docs: see SOURCE.md there) exists in Forecourt's OpenAPI document, or is listed in NOT_YET with the
reason. Path parameters are compared by position (their names differ: `{app_id}` / `{id}`); the rest of
a path literally (Tyk has both `access-requests` and `access_requests`).

NOT_YET only shrinks: an entry that Forecourt now answers fails the test, asking for it to be deleted.
"""

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import openapi  # noqa: E402

CONTRACT = ROOT / "tests" / "contracts" / "tyk-portal" / "operations.json"
PREFIX = "/portal-api"

NOT_YET: dict[tuple[str, str], str] = {}


def shape(path: str) -> str:
    """A path with its parameters blanked: compared by position, not by name."""
    return re.sub(r"\{[^}]*\}", "{}", path)


def tyk_operations() -> list[tuple[str, str]]:
    document = json.loads(CONTRACT.read_text())
    return [(op["method"], shape(op["path"])) for op in document["operations"]]


def forecourt_operations() -> set[tuple[str, str]]:
    document = json.loads(openapi.render())
    return {(method.upper(), shape(path.removeprefix(PREFIX)))
            for path, item in document["paths"].items() for method in item
            if method in ("get", "post", "put", "patch", "delete")}


def test_the_contract_is_well_formed():
    operations = tyk_operations()
    assert len(operations) == len(set(operations)), "an operation is listed twice"
    # v1.14.0's full specification: 176 operations on 85 paths (SOURCE.md)
    assert len(operations) == 176
    assert len({path for _, path in operations}) == 85


def test_every_tyk_operation_exists_or_is_listed_as_not_yet(capsys):
    tyk = tyk_operations()
    ours = forecourt_operations()
    missing = [op for op in tyk if op not in ours and op not in NOT_YET]
    assert not missing, "Tyk operations Forecourt does not answer (build them, or add to NOT_YET with the reason): " \
        + ", ".join(f"{m} {p}" for m, p in missing)
    landed = [op for op in NOT_YET if op in ours]
    assert not landed, "now answered by Forecourt, so remove them from NOT_YET (tests/test_tyk_operations.py): " \
        + ", ".join(f"{m} {p}" for m, p in landed)
    unknown = [op for op in NOT_YET if op not in tyk]
    assert not unknown, "NOT_YET entries that are not Tyk operations: " + ", ".join(f"{m} {p}" for m, p in unknown)
    existing = sum(op in ours for op in tyk)
    with capsys.disabled():
        print(f"\nTyk portal Admin API operations: {existing} of {len(tyk)} exist in Forecourt")
