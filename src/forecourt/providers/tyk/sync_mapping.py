"""Tyk's policies and API definitions read as the plain records the portal's sync applies.

Tyk's rule: a product is a partitioned policy that enforces access rights only (partitions.acl),
a plan one that enforces rate limit and quota only. Only policies carrying one of the
provider's tags are read (all of them when it has none); draft, denied and inactive policies
grant nothing, so they offer nothing either. A policy of the portal's (tagged, live, product- or
plan-shaped) that cannot be read (no ID or name, an API that does not exist, a limit that is not
a number) is skipped and reported; an item that mirrors it, or a policy now partitioned as the
other kind or as neither, keeps its last good state (forecourt.providers.sync).

The only place that knows these fields: the sync (forecourt.providers.sync) gets a `Catalogue`,
the push (policies.py) reads back what it wrote with the same functions, and the upgrade check
asks `TykProvider.dangling_references()`.
"""

import json
from collections.abc import Iterable
from typing import Any

from forecourt.providers.sync import Catalogue, Unreadable, WantedAPI, WantedPlan, WantedProduct

SHAPELESS = ("it is partitioned neither as a product (access rights only) nor as a plan "
             "(rate limit and quota only)")


def policy_id(policy: dict[str, Any]) -> str:
    """The Dashboard's ID of a policy (`_id`), the key products and plans mirror it by."""
    return str(policy.get("_id") or policy.get("id") or "")


def kind(policy: dict[str, Any]) -> str | None:
    """"product", "plan", or None for a policy partitioned as neither."""
    parts = policy.get("partitions")
    if not isinstance(parts, dict):
        return None
    acl, rate, quota = bool(parts.get("acl")), bool(parts.get("rate_limit")), bool(parts.get("quota"))
    if acl and not rate and not quota:
        return "product"
    if (rate or quota) and not acl:
        return "plan"
    return None


def live(policy: dict[str, Any]) -> bool:
    """Draft, denied and inactive policies grant nothing, so they offer nothing either."""
    return (policy.get("state") in (None, "", "active") and not policy.get("is_inactive")
            and policy.get("active", True) is not False)


def tagged(policy: dict[str, Any], tags: set[str]) -> bool:
    """Whether the policy carries one of the provider's tags (any policy when it has none)."""
    return not tags or bool(tags & set(policy.get("tags") or []))


def _int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name} is not a number")
    return int(value)


def graphql_schema(definition: dict[str, Any]) -> str:
    """A GraphQL API's schema as its definition carries it (`graphql.enabled`, `graphql.schema`: SDL), or "".
    Taken as it is: the portal checks it only when showing it (forecourt.catalog.graphql_schemas), so one
    the portal cannot read leaves the API synced, without a playground."""
    raw = definition.get("graphql")
    if not isinstance(raw, dict) or raw.get("enabled") is not True:
        return ""
    schema = raw.get("schema")
    return schema if isinstance(schema, str) and schema.strip() and "\x00" not in schema else ""


DEFAULT_KEY_LOCATION = ("header", "Authorization")  # Tyk's own default for an auth-token API


def _name(value: Any) -> str:
    """A header or parameter name as the definition gives it, or "" when it is no usable name."""
    name = value.strip() if isinstance(value, str) else ""
    return name if name and len(name) <= 100 and name.isprintable() and " " not in name else ""


def _oas_key_location(oas: dict[str, Any]) -> tuple[str, str] | None:
    """A Tyk OAS API's key location: its enabled `x-tyk-api-gateway.server.authentication` scheme,
    as the OpenAPI document's apiKey security scheme of that name places it (Tyk reads the header
    or query parameter the document declares), or the scheme's own `header` / `query` settings."""
    tyk = oas.get("x-tyk-api-gateway")
    server = tyk.get("server") if isinstance(tyk, dict) else None
    auth = server.get("authentication") if isinstance(server, dict) else None
    schemes = auth.get("securitySchemes") if isinstance(auth, dict) else None
    if not isinstance(schemes, dict):
        return None
    components = oas.get("components")
    declared = components.get("securitySchemes") if isinstance(components, dict) else None
    for scheme_name, settings in schemes.items():
        if not isinstance(settings, dict) or settings.get("enabled") is False:
            continue
        spec = declared.get(scheme_name) if isinstance(declared, dict) else None
        if (isinstance(spec, dict) and spec.get("type") == "apiKey" and spec.get("in") in ("header", "query")
                and (name := _name(spec.get("name")))):
            return str(spec["in"]), name
        for where in ("header", "query"):
            place = settings.get(where)
            if isinstance(place, dict) and place.get("enabled") is not False and (name := _name(place.get("name"))):
                return where, name
    return None


def key_location(definition: dict[str, Any], oas: Any) -> tuple[str, str]:
    """Where the gateway reads an API key: ("header" | "query", name). Tyk OAS authentication
    first, then the classic `auth` object: its header (`auth_header_name`) unless the header is
    disabled and a query parameter (`use_param`, `param_name`, by default the header's name) is
    on; Tyk's default, the Authorization header, when the definition says nothing usable."""
    if isinstance(oas, dict) and (found := _oas_key_location(oas)):
        return found
    auth = definition.get("auth")
    if not isinstance(auth, dict):
        return DEFAULT_KEY_LOCATION
    header = _name(auth.get("auth_header_name")) or DEFAULT_KEY_LOCATION[1]
    if auth.get("disable_header") is True and auth.get("use_param") is True:
        return "query", _name(auth.get("param_name")) or header
    return "header", header


def api_ids(wrappers: Iterable[dict[str, Any]]) -> set[str]:
    """The IDs of the Dashboard's APIs (`GET /api/apis` wrappers, or bare definitions)."""
    return set(apis_by_id(wrappers))


def apis_by_id(wrappers: Iterable[dict[str, Any]]) -> dict[str, WantedAPI]:
    """The Dashboard's APIs (`GET /api/apis` wrappers, or bare definitions) by API ID."""
    apis: dict[str, WantedAPI] = {}
    for wrapper in wrappers:
        inner = wrapper.get("api_definition")
        definition: dict[str, Any] = inner if isinstance(inner, dict) else wrapper
        api_id = str(definition.get("api_id") or "")
        if not api_id:
            continue
        raw_proxy = definition.get("proxy")
        proxy: dict[str, Any] = raw_proxy if isinstance(raw_proxy, dict) else {}
        if definition.get("use_keyless"):
            auth = "keyless"
        elif definition.get("use_oauth2"):
            auth = "oauth2"
        elif definition.get("enable_jwt"):
            auth = "jwt"
        elif definition.get("use_basic_auth"):
            auth = "basic"
        else:
            auth = "authToken"
        oas = wrapper.get("oas")
        key_in, key_name = key_location(definition, oas)
        apis[api_id] = WantedAPI(api_id, str(definition.get("name") or api_id), str(proxy.get("listen_path") or ""),
                                 auth, json.dumps(oas, sort_keys=True) if isinstance(oas, dict) else "",
                                 graphql_schema(definition), key_in, key_name)
    return apis


def wanted_product(policy: dict[str, Any], apis: dict[str, WantedAPI]) -> WantedProduct:
    """A product-shaped policy as a product; ValueError (TypeError, AttributeError) saying why not."""
    rights = policy.get("access_rights") or {}
    if not isinstance(rights, dict):
        raise ValueError("access_rights is not an object")
    rows = []
    for api_id in sorted(rights):
        info = apis.get(api_id)
        if info is None:
            raise ValueError(f"it references the API {api_id}, which does not exist")
        rows.append(info)
    if not rows:
        raise ValueError("it grants access to no API")
    tags = [str(t) for t in policy.get("tags") or []]
    return WantedProduct(policy["name"].strip()[:255], tags, rows)


def wanted_plan(policy: dict[str, Any]) -> WantedPlan:
    """A plan-shaped policy as a plan; ValueError (TypeError, AttributeError) saying why not."""
    rate, per = _int(policy.get("rate", 0), "rate"), _int(policy.get("per", 0), "per")
    quota, renewal = _int(policy.get("quota_max", -1), "quota_max"), _int(policy.get("quota_renewal_rate", 0),
                                                                          "quota_renewal_rate")
    expires = _int(policy.get("key_expires_in", 0), "key_expires_in")
    return WantedPlan(
        name=policy["name"].strip()[:255],
        rate_unlimited=rate <= 0 or per <= 0, rate_limit=max(rate, 0), rate_per=max(per, 0),
        quota_unlimited=quota < 0, quota_max=max(quota, 0), quota_renewal_seconds=max(renewal, 0),
        key_expires_in=max(expires, 0),
    )


def catalogue(policies: Iterable[dict[str, Any]], apis: dict[str, WantedAPI], tags: set[str]) -> Catalogue:
    """The Dashboard's policies (and APIs) as what the provider offers the portal."""
    read = Catalogue()
    unreadable = Unreadable()
    shapeless: set[str] = set()
    for policy in policies:
        pid = policy_id(policy)
        name = policy.get("name")
        custom = policy.get("id")
        if isinstance(custom, str) and custom and custom != pid:
            read.aliases[pid] = custom
        if not tagged(policy, tags) or not live(policy):
            read.ignored += 1
            continue
        shape = kind(policy)
        if shape is None:  # not the portal's, unless an item mirrors it: then it is unreadable
            read.ignored += 1
            if pid:
                shapeless.add(pid)
            continue
        try:
            if not pid or not isinstance(name, str) or not name.strip():
                raise ValueError("it has no id or no name")
            if shape == "product":
                read.products[pid] = wanted_product(policy, apis)
            else:
                read.plans[pid] = wanted_plan(policy)
        except (ValueError, TypeError, AttributeError) as exc:
            read.problems.append({"policy": pid or "?", "name": str(name or ""), "reason": str(exc)})
            if pid:
                unreadable.by_key[pid] = str(exc)
            elif isinstance(name, str) and name.strip():
                unreadable.by_name[name.strip()[:255]] = str(exc)
    read.products_unreadable = _seen_as(unreadable, shapeless, read.plans, "a plan")
    read.plans_unreadable = _seen_as(unreadable, shapeless, read.products, "a product")
    return read


def _seen_as(unreadable: Unreadable, shapeless: set[str], others: dict[str, Any], other: str) -> Unreadable:
    """The problems, plus "it is now partitioned as the other kind" for `others`' policies."""
    by_key = {**dict.fromkeys(shapeless, SHAPELESS), **unreadable.by_key}
    by_key.update(dict.fromkeys(others, f"it is now partitioned as {other}"))
    return Unreadable(by_key, unreadable.by_name)


def dangling_references(policies: Iterable[dict[str, Any]], apis: set[str], tags: set[str]) -> list[dict[str, str]]:
    """Policies (tagged for the portal) granting access to APIs the Dashboard no longer has:
    {"policy": ID, "name": ..., "api": the missing API's ID}."""
    found = []
    for policy in policies:
        if not tagged(policy, tags):
            continue
        rights = policy.get("access_rights")
        if not isinstance(rights, dict):
            continue
        for api_id in sorted(rights):
            if api_id not in apis:
                found.append({"policy": policy_id(policy), "name": str(policy.get("name") or ""), "api": api_id})
    return found
