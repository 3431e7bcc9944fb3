"""CORS in API Gateway and Function URLs, so that preflights never wake the function.

REST APIs get ``OPTIONS`` methods with a mock integration inside the same OpenAPI
document as the proxy methods (so they are written by the same single call and hashed
with it); HTTP APIs and Function URLs have a native CORS configuration, compared and
set like any other attribute. Actual responses of a REST proxy integration need the
``Access-Control-Allow-Origin`` header from the function: the runtime adds it from
the same ``cors`` setting (``lw.runtime.cors``).
"""

from __future__ import annotations

import json
from typing import Any, cast

from lw.core.context import Context
from lw.core.errors import ConfigError
from lw.core.plan import Action, ApplyFn, Change, Outputs
from lw.runtime.cors import CorsRules

MAX_AGE_LIMIT = 86400  # HTTP APIs and Function URLs refuse more
URL_METHODS_LIMIT = 6  # a Function URL takes at most six methods of at most six letters


def rules(ctx: Context) -> CorsRules | None:
    """The stage's ``cors`` setting, validated; ``None`` when CORS is off."""
    app = ctx.app
    try:
        found = CorsRules.from_setting(app.setting("cors"))
    except ValueError as exc:
        raise ConfigError(f"{app.config_file.name}: stage '{app.stage}': {exc}") from None
    if found is not None and found.max_age is not None and found.max_age > MAX_AGE_LIMIT:
        raise ConfigError(f"{app.config_file.name}: stage '{app.stage}': cors.max_age must be at most {MAX_AGE_LIMIT}")
    return found


# --------------------------------------------------------------------------- REST API (OpenAPI document)


def _quoted(value: str) -> str:
    """A static value in API Gateway's response-parameter syntax."""
    return f"'{value}'"


def _preflight_headers(found: CorsRules) -> dict[str, str]:
    headers = {
        "Access-Control-Allow-Origin": found.origins[0],
        "Access-Control-Allow-Headers": ",".join(found.headers),
        "Access-Control-Allow-Methods": ",".join(found.methods),
    }
    if len(found.origins) > 1:
        headers["Vary"] = "Origin"
    if found.credentials:
        headers["Access-Control-Allow-Credentials"] = "true"
    if found.max_age is not None:
        headers["Access-Control-Max-Age"] = str(found.max_age)
    return headers


def _origin_template(found: CorsRules) -> str:
    """A mapping template echoing the request's ``Origin`` when it is one of several
    allowed ones: a static header can only name one origin."""
    allowed = "[" + ",".join(json.dumps(o) for o in found.origins) + "]"
    return "\n".join(
        [
            f"#set($allowed = {allowed})",
            "#set($origin = $input.params().header.get('Origin'))",
            '#if("$!origin" == "")#set($origin = $input.params().header.get(\'origin\'))#end',
            "#if($allowed.contains($origin))",
            "#set($context.responseOverride.header.Access-Control-Allow-Origin = $origin)",
            "#end",
        ]
    )


def preflight_method(found: CorsRules, parameters: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """An ``OPTIONS`` method answered by API Gateway itself (mock integration, no auth)."""
    headers = _preflight_headers(found)
    template = _origin_template(found) if len(found.origins) > 1 else ""
    method: dict[str, Any] = {
        "security": [],
        "responses": {
            "200": {
                "description": "CORS preflight answered by API Gateway",
                "headers": {name: {"schema": {"type": "string"}} for name in headers},
            }
        },
        "x-amazon-apigateway-integration": {
            "type": "mock",
            # With binary_support, ``*/*`` is a binary media type: every request body,
            # a preflight's empty one too, is binary, and the mock's JSON request
            # template cannot be applied to it ("Unable to transform request", 500)
            # unless API Gateway first converts the payload to text.
            "contentHandling": "CONVERT_TO_TEXT",
            "requestTemplates": {"application/json": '{"statusCode": 200}'},
            "passthroughBehavior": "when_no_match",
            "responses": {
                "default": {
                    "statusCode": "200",
                    "responseParameters": {
                        f"method.response.header.{name}": _quoted(value) for name, value in headers.items()
                    },
                    "responseTemplates": {"application/json": template},
                }
            },
        },
    }
    if parameters:
        method["parameters"] = parameters
    return method


def add_rest_preflight(document: dict[str, Any], found: CorsRules | None) -> None:
    """Add an ``OPTIONS`` method to every path, and CORS headers to API Gateway's own
    error responses (a 401 from an authorizer must be readable by the page too)."""
    if found is None:
        return
    for item in document["paths"].values():
        any_method = item.get("x-amazon-apigateway-any-method") or {}
        item["options"] = preflight_method(found, any_method.get("parameters"))
    origin = found.origins[0] if len(found.origins) == 1 else None
    if origin is None:
        return  # several origins: a static error header would name the wrong one for most callers
    parameters = {"gatewayresponse.header.Access-Control-Allow-Origin": _quoted(origin)}
    if found.credentials:
        parameters["gatewayresponse.header.Access-Control-Allow-Credentials"] = _quoted("true")
    document["x-amazon-apigateway-gateway-responses"] = {
        kind: {"responseParameters": dict(parameters)} for kind in ("DEFAULT_4XX", "DEFAULT_5XX")
    }


# --------------------------------------------------------------------------- native configurations


def native_config(found: CorsRules | None, *, function_url: bool = False) -> dict[str, Any]:
    """``CorsConfiguration`` of an HTTP API / ``Cors`` of a Function URL (``{}``: none)."""
    if found is None:
        return {}
    methods = [m for m in found.methods if m != "OPTIONS"] if function_url else list(found.methods)
    if function_url and (len(methods) > URL_METHODS_LIMIT or any(len(m) > 6 for m in methods)):
        methods = ["*"]
    config: dict[str, Any] = {
        "AllowOrigins": list(found.origins),
        "AllowHeaders": list(found.headers),
        "AllowMethods": methods,
        "AllowCredentials": found.credentials,
    }
    if found.expose_headers:
        config["ExposeHeaders"] = list(found.expose_headers)
    if found.max_age is not None:
        config["MaxAge"] = found.max_age
    return config


def _canonical(config: dict[str, Any] | None) -> dict[str, Any]:
    """What AWS gives back compared to what lw asks for: header names lower-cased (AWS
    stores them so), lists as sorted sets, absent false/empty values dropped."""
    out: dict[str, Any] = {}
    for key, value in (config or {}).items():
        if isinstance(value, list):
            items = [str(v).lower() if key in ("AllowHeaders", "ExposeHeaders") else str(v) for v in value]
            items = [v.upper() for v in items] if key == "AllowMethods" else items
            if items:
                out[key] = sorted(set(items))
        elif value not in (None, False, 0, ""):
            out[key] = value
    return out


def same_config(current: dict[str, Any] | None, wanted: dict[str, Any]) -> bool:
    return _canonical(current) == _canonical(wanted)


def describe(config: dict[str, Any]) -> str:
    if not config:
        return "no CORS"
    return f"CORS for {', '.join(config.get('AllowOrigins') or [])}"


def plan_http_api(ctx: Context, client: Any, api: dict[str, Any], resource: str) -> list[Change]:
    """Set or remove the HTTP API's native CORS configuration."""
    wanted = native_config(rules(ctx))
    current = api.get("CorsConfiguration") or {}
    if same_config(current, wanted):
        return []
    api_id = api["ApiId"]

    def apply(outputs: Outputs) -> None:
        if wanted:
            client.update_api(ApiId=api_id, CorsConfiguration=wanted)
        else:
            client.delete_cors_configuration(ApiId=api_id)

    action: Action = "delete" if not wanted else ("create" if not current else "update")
    return [
        Change(
            action, f"{resource} CORS", describe(wanted) if wanted else "cors is off", apply, step="set HTTP API CORS"
        )
    ]


# HTTP API: ``$default`` also catches ``OPTIONS``, so an authorizer on it would answer a
# preflight 401/403 before API Gateway's CORS support could. Routes for ``OPTIONS``
# without authorization take precedence over ``$default`` (AWS's HTTP API CORS guide);
# API Gateway answers the preflight itself from the API's CORS configuration.
PREFLIGHT_ROUTE_KEYS = ("OPTIONS /", "OPTIONS /{proxy+}")


def needs_preflight_routes(ctx: Context, route_authorization: str) -> bool:
    return rules(ctx) is not None and route_authorization != "NONE"


def plan_http_preflight_routes(
    ctx: Context,
    client: Any,
    api_id: str | None,
    routes: list[dict[str, Any]],
    integration_id: str | None,
    route_authorization: str,
    resource: str,
) -> list[Change]:
    """Create (or remove, when CORS or the authorizer is gone) the unauthenticated
    ``OPTIONS`` routes. ``api_id``/``integration_id`` are ``None`` when this same plan
    creates them: the apply then reads them from the outputs."""
    wanted = needs_preflight_routes(ctx, route_authorization)
    by_key = {str(r.get("RouteKey")): r for r in routes}
    changes: list[Change] = []
    for key in PREFLIGHT_ROUTE_KEYS:
        current = by_key.get(key)
        target = f"integrations/{integration_id}" if integration_id else None
        if wanted and (
            current is None
            or (current.get("AuthorizationType") or "NONE") != "NONE"
            or (target and current.get("Target") != target)
        ):
            changes.append(
                Change(
                    "create" if current is None else "update",
                    f"{resource} route {key}",
                    "CORS preflights must not need the authorizer",
                    _put_preflight_route(client, api_id, key, current, target),
                    step="set HTTP API preflight route",
                )
            )
        elif not wanted and current is not None:
            route_id = str(current["RouteId"])
            changes.append(
                Change(
                    "delete",
                    f"{resource} route {key}",
                    "no CORS with an authorizer any more",
                    cast("ApplyFn", lambda o, rid=route_id: client.delete_route(ApiId=api_id, RouteId=rid)),
                    step="delete HTTP API preflight route",
                )
            )
    return changes


def _put_preflight_route(
    client: Any, api_id: str | None, key: str, current: dict[str, Any] | None, target: str | None
) -> Any:
    def apply(outputs: Outputs) -> None:
        api = api_id or outputs["http_api_id"]
        route_target = target or f"integrations/{outputs['http_integration']}"
        if current is None:
            client.create_route(ApiId=api, RouteKey=key, Target=route_target, AuthorizationType="NONE")
        else:
            client.update_route(
                ApiId=api, RouteId=current["RouteId"], Target=route_target, AuthorizationType="NONE", AuthorizerId=""
            )

    return apply
