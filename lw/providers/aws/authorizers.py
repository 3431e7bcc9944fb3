"""Who may call the stage: API keys, IAM (SigV4), Lambda authorizers, Cognito, JWT.

The settings are read once into a ``Security`` value, checked against the front door
they apply to (a REST API takes API keys and Cognito; an HTTP API takes JWT), and then
rendered: into the REST API's OpenAPI document (security schemes, written with the
same single call as the routes), or into the HTTP API's route and authorizer.

A Lambda authorizer given as ``function`` is served by the stage's own function: the
runtime recognises authorizer events and calls that function, so nothing else is
deployed. One given as ``arn`` is an existing function that lw lets API Gateway invoke.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from lw.core.context import Context
from lw.core.errors import ConfigError
from lw.core.model import AppModel
from lw.core.plan import Change, Outputs
from lw.providers.aws import names
from lw.providers.aws.errors import read_or_none
from lw.providers.aws.permissions import grant_change, revoke_change, source_arn_of
from lw.providers.aws.session import AwsSession

AUTHORIZER_KEYS = frozenset(
    {"function", "arn", "type", "token_header", "identity_source", "result_ttl", "validation_expression"}
)
JWT_KEYS = frozenset({"issuer", "audience", "identity_source"})
DEFAULT_TTL = 300
SCHEME_API_KEY = "lw_api_key"
SCHEME_SIGV4 = "lw_sigv4"
SCHEME_AUTHORIZER = "lw_authorizer"
SCHEME_COGNITO = "lw_cognito"
SID_AUTHORIZER = "lw-apigateway-authorizer"


@dataclass(frozen=True)
class LambdaAuthorizer:
    function: str | None
    arn: str | None
    type: str
    token_header: str
    identity_source: tuple[str, ...]
    result_ttl: int
    validation_expression: str | None


@dataclass(frozen=True)
class JwtAuthorizer:
    issuer: str
    audience: tuple[str, ...]
    identity_source: tuple[str, ...]


@dataclass(frozen=True)
class Security:
    api_key: bool = False
    iam: bool = False
    authorizer: LambdaAuthorizer | None = None
    cognito_pools: tuple[str, ...] = ()
    jwt: JwtAuthorizer | None = None

    @property
    def callers(self) -> list[str]:
        """The caller-identifying options set (a route takes at most one)."""
        found = []
        if self.iam:
            found.append("iam_authorization")
        if self.authorizer:
            found.append("authorizer")
        if self.cognito_pools:
            found.append("cognito_user_pool")
        if self.jwt:
            found.append("jwt_authorizer")
        return found


def _fail(app: AppModel, message: str) -> ConfigError:
    return ConfigError(f"{app.config_file.name}: stage '{app.stage}': {message}")


def _strings(app: AppModel, value: Any, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise _fail(app, f"{key} must be a string or a non-empty list of strings")
    return tuple(value)


def _lambda_authorizer(app: AppModel, value: Any) -> LambdaAuthorizer | None:
    if not value:
        return None
    if not isinstance(value, dict):
        raise _fail(app, "authorizer must be a mapping with `function` or `arn`")
    unknown = sorted(set(value) - AUTHORIZER_KEYS)
    if unknown:
        raise _fail(
            app, f"authorizer has unknown key(s) {', '.join(unknown)} (known: {', '.join(sorted(AUTHORIZER_KEYS))})"
        )
    function, arn = value.get("function"), value.get("arn")
    if bool(function) == bool(arn):
        raise _fail(app, "authorizer needs exactly one of `function` (a dotted path in the app) or `arn`")
    if arn and not str(arn).startswith("arn:"):
        raise _fail(app, f"authorizer.arn {arn!r} is not an ARN")
    kind = str(value.get("type") or "TOKEN").upper()
    if kind not in ("TOKEN", "REQUEST"):
        raise _fail(app, "authorizer.type must be TOKEN or REQUEST")
    ttl = value.get("result_ttl", DEFAULT_TTL)
    if isinstance(ttl, bool) or not isinstance(ttl, int) or not 0 <= ttl <= 3600:
        raise _fail(app, "authorizer.result_ttl must be a number of seconds from 0 to 3600")
    header = str(value.get("token_header") or "Authorization")
    sources = (
        _strings(app, value["identity_source"], "authorizer.identity_source") if value.get("identity_source") else ()
    )
    return LambdaAuthorizer(
        function=str(function) if function else None,
        arn=str(arn) if arn else None,
        type=kind,
        token_header=header,
        identity_source=sources,
        result_ttl=ttl,
        validation_expression=value.get("validation_expression") or None,
    )


def _jwt_authorizer(app: AppModel, value: Any) -> JwtAuthorizer | None:
    if not value:
        return None
    if not isinstance(value, dict) or not value.get("issuer") or not value.get("audience"):
        raise _fail(app, "jwt_authorizer needs `issuer` and `audience`")
    unknown = sorted(set(value) - JWT_KEYS)
    if unknown:
        raise _fail(app, f"jwt_authorizer has unknown key(s) {', '.join(unknown)}")
    sources = (
        _strings(app, value["identity_source"], "jwt_authorizer.identity_source")
        if value.get("identity_source")
        else ("$request.header.Authorization",)
    )
    audience = _strings(app, value["audience"], "jwt_authorizer.audience")
    return JwtAuthorizer(issuer=str(value["issuer"]), audience=audience, identity_source=sources)


def security(app: AppModel) -> Security:
    """The stage's access settings, validated on their own."""
    pools = app.setting("cognito_user_pool")
    found = Security(
        api_key=bool(app.setting("api_key_required", False)),
        iam=bool(app.setting("iam_authorization", False)),
        authorizer=_lambda_authorizer(app, app.setting("authorizer")),
        cognito_pools=_strings(app, pools, "cognito_user_pool") if pools else (),
        jwt=_jwt_authorizer(app, app.setting("jwt_authorizer")),
    )
    if len(found.callers) > 1:
        raise _fail(app, f"{' and '.join(found.callers)} cannot be combined: a request is authorized by one of them")
    return found


def for_gateway(ctx: Context, kind: str | None) -> Security:
    """The access settings, checked against the front door that will enforce them."""
    app = ctx.app
    found = security(app)
    if kind == "rest" and found.jwt:
        raise _fail(
            app, "jwt_authorizer needs an HTTP API (apigateway: http); a REST API uses cognito_user_pool or authorizer"
        )
    if kind == "http" and found.api_key:
        raise _fail(app, "api_key_required needs a REST API (apigateway: rest): HTTP APIs have no API keys")
    if kind == "http" and found.cognito_pools:
        raise _fail(
            app,
            "cognito_user_pool needs a REST API; with an HTTP API use jwt_authorizer with the "
            "pool's issuer https://cognito-idp.<region>.amazonaws.com/<pool id>",
        )
    if kind is None and (found.api_key or found.authorizer or found.cognito_pools or found.jwt):
        raise _fail(
            app,
            f"{', '.join(found.callers + (['api_key_required'] if found.api_key else []))} "
            "needs an API Gateway (apigateway: rest or http)",
        )
    return found


def invocation_uri(aws: AwsSession, function_arn: str) -> str:
    return f"arn:{aws.partition}:apigateway:{aws.region}:lambda:path/2015-03-31/functions/{function_arn}/invocations"


def authorizer_target(aws: AwsSession, function: str, found: LambdaAuthorizer) -> str:
    """The function API Gateway invokes: the stage's live alias, or the given ARN."""
    return found.arn or names.alias_arn(aws, function)


# --------------------------------------------------------------------------- REST API


def _rest_identity_source(found: LambdaAuthorizer) -> str:
    if found.identity_source:
        return ", ".join(found.identity_source)
    return f"method.request.header.{found.token_header}"


def secure_rest_document(document: dict[str, Any], ctx: Context, aws: AwsSession, function: str) -> None:
    """Add security schemes to the REST API document and require them on the proxy methods."""
    found = for_gateway(ctx, "rest")
    schemes: dict[str, Any] = {}
    if found.api_key:
        schemes[SCHEME_API_KEY] = {"type": "apiKey", "name": "x-api-key", "in": "header"}
        document["x-amazon-apigateway-api-key-source"] = "HEADER"
    if found.iam:
        schemes[SCHEME_SIGV4] = {
            "type": "apiKey",
            "name": "Authorization",
            "in": "header",
            "x-amazon-apigateway-authtype": "awsSigv4",
        }
    if found.authorizer:
        auth = found.authorizer
        spec: dict[str, Any] = {
            "type": auth.type.lower(),
            "authorizerUri": invocation_uri(aws, authorizer_target(aws, function, auth)),
            "authorizerResultTtlInSeconds": auth.result_ttl,
            "identitySource": _rest_identity_source(auth),
        }
        if auth.validation_expression and auth.type == "TOKEN":
            spec["identityValidationExpression"] = auth.validation_expression
        schemes[SCHEME_AUTHORIZER] = {
            "type": "apiKey",
            "name": auth.token_header,
            "in": "header",
            "x-amazon-apigateway-authtype": "custom",
            "x-amazon-apigateway-authorizer": spec,
        }
    if found.cognito_pools:
        schemes[SCHEME_COGNITO] = {
            "type": "apiKey",
            "name": "Authorization",
            "in": "header",
            "x-amazon-apigateway-authtype": "cognito_user_pools",
            "x-amazon-apigateway-authorizer": {"type": "cognito_user_pools", "providerARNs": list(found.cognito_pools)},
        }
    if not schemes:
        return
    document.setdefault("components", {})["securitySchemes"] = schemes
    requirement: list[dict[str, list[str]]] = [{name: [] for name in schemes}]  # one object: every scheme must pass
    for item in document["paths"].values():
        method = item.get("x-amazon-apigateway-any-method")
        if method is not None:
            method["security"] = requirement


def plan_authorizer_permissions(
    ctx: Context,
    aws: AwsSession,
    function: str,
    api_id: str | None,
    statements: dict[str, dict[str, Any]],
    *,
    gateway: str | None,
) -> list[Change]:
    """Let API Gateway invoke the authorizer, and take that right back once it is gone.

    On a REST API the stage's own function needs a statement of its own (the proxy
    statement only covers ``<api>/*/*/*`` method ARNs, not ``<api>/authorizers/*``);
    an HTTP API's statement already covers ``<api>/*``. An external function gets a
    statement named after the stage, so several stages can share one authorizer.
    ``api_id`` is ``None`` while the API does not exist yet: the apply then reads the
    new API's id from the outputs (``rest_api_id`` / ``http_api_id``).
    """
    found = security(ctx.app).authorizer if gateway in ("rest", "http") else None
    source = names.execute_api_arn(aws, api_id) if api_id else None
    changes: list[Change] = []
    if found is not None and found.function is not None and gateway == "rest":
        grant = grant_change(
            aws,
            function,
            SID_AUTHORIZER,
            statements,
            principal="apigateway.amazonaws.com",
            source_arn=source,
            source_pending=source is None,
            what="the REST API authorizer",
        )
        if source is None and grant.apply is not None:
            grant.apply = _with_source_arn(aws, grant.apply, SID_AUTHORIZER, f"{gateway}_api_id")
        changes.append(grant)
    else:
        changes += revoke_change(aws, function, SID_AUTHORIZER, statements, "the REST API authorizer")
    if found is not None and found.arn is not None:
        changes += _plan_external_permission(ctx, aws, found.arn, source, f"{gateway}_api_id")
    return changes


def _with_source_arn(aws: AwsSession, apply: Any, sid: str, id_output: str) -> Any:
    def run(outputs: Outputs) -> Any:
        outputs["source_arn:" + sid] = names.execute_api_arn(aws, outputs[id_output])
        return apply(outputs)

    return run


def external_sid(app: AppModel) -> str:
    return f"lw-{app.name}-authorizer"[:100]


def _external_statements(aws: AwsSession, arn: str) -> dict[str, dict[str, Any]]:
    lam = aws.client("lambda")
    found = read_or_none(f"Lambda function {arn} policy", lambda: lam.get_policy(FunctionName=arn))
    if not found:
        return {}
    return {s.get("Sid", ""): s for s in json.loads(found["Policy"]).get("Statement") or []}


def _plan_external_permission(
    ctx: Context, aws: AwsSession, arn: str, source: str | None, id_output: str
) -> list[Change]:
    """The statement on an ``authorizer.arn`` function.

    lw keeps no record of a previous ARN, so changing ``authorizer.arn`` leaves the old
    function's statement (named after the stage) for the user to remove; the docs say so.
    """
    lam = aws.client("lambda")
    sid = external_sid(ctx.app)
    resource = f"Lambda permission {arn}/{sid}"
    current = _external_statements(aws, arn).get(sid)
    if current is not None and source is not None and source_arn_of(current) == source:
        return [Change("noop", resource, "API Gateway may invoke the authorizer")]

    def grant(outputs: Outputs) -> None:
        if current is not None:
            lam.remove_permission(FunctionName=arn, StatementId=sid)
        lam.add_permission(
            FunctionName=arn,
            StatementId=sid,
            Action="lambda:InvokeFunction",
            Principal="apigateway.amazonaws.com",
            SourceArn=source or names.execute_api_arn(aws, outputs[id_output]),
        )

    return [
        Change(
            "update" if current else "create",
            resource,
            "let API Gateway invoke the authorizer",
            grant,
            step="grant authorizer permission",
        )
    ]


def remove_external_permission(ctx: Context, aws: AwsSession) -> list[Change]:
    """Undeploy: the statement lw put on an ``authorizer.arn`` function, if any."""
    try:
        found = security(ctx.app).authorizer
    except ConfigError:
        return []
    if found is None or found.arn is None:
        return []
    arn = found.arn
    lam = aws.client("lambda")
    sid = external_sid(ctx.app)
    if sid not in _external_statements(aws, arn):
        return []
    return [
        Change(
            "delete",
            f"Lambda permission {arn}/{sid}",
            "the stage's authorizer is removed",
            lambda o: lam.remove_permission(FunctionName=arn, StatementId=sid),
            step="revoke permission",
        )
    ]


# --------------------------------------------------------------------------- HTTP API


def _http_authorizer_params(aws: AwsSession, app: AppModel, function: str, found: Security) -> dict[str, Any] | None:
    name = app.name
    if found.jwt:
        return {
            "Name": name,
            "AuthorizerType": "JWT",
            "IdentitySource": list(found.jwt.identity_source),
            "JwtConfiguration": {"Issuer": found.jwt.issuer, "Audience": list(found.jwt.audience)},
        }
    if found.authorizer:
        auth = found.authorizer
        sources = list(auth.identity_source) or [f"$request.header.{auth.token_header}"]
        return {
            "Name": name,
            "AuthorizerType": "REQUEST",
            "AuthorizerUri": invocation_uri(aws, authorizer_target(aws, function, auth)),
            "AuthorizerPayloadFormatVersion": "2.0",
            "AuthorizerResultTtlInSeconds": auth.result_ttl,
            "IdentitySource": sources,
            "EnableSimpleResponses": False,
        }
    return None


def _route_type(found: Security) -> str:
    if found.iam:
        return "AWS_IAM"
    if found.jwt:
        return "JWT"
    if found.authorizer:
        return "CUSTOM"
    return "NONE"


def _authorizer_matches(current: dict[str, Any], wanted: dict[str, Any]) -> bool:
    for key, value in wanted.items():
        have = current.get(key)
        if key == "JwtConfiguration":
            have = {k: (sorted(v) if isinstance(v, list) else v) for k, v in (have or {}).items()}
            value = {k: (sorted(v) if isinstance(v, list) else v) for k, v in value.items()}
        if key == "EnableSimpleResponses" and not value:
            have = bool(have)
        if have != value:
            return False
    return True


def plan_http_route(
    ctx: Context, aws: AwsSession, function: str, api_id: str | None, route: dict[str, Any] | None, resource: str
) -> list[Change]:
    """The ``$default`` route's authorization and its authorizer.

    ``api_id``/``route`` are ``None`` for an API created by this same plan: the apply
    then takes their ids from the outputs the creating change wrote.
    """
    app = ctx.app
    client = aws.client("apigatewayv2")
    found = for_gateway(ctx, "http")
    wanted_type = _route_type(found)
    wanted = _http_authorizer_params(aws, app, function, found)
    current_id = (route or {}).get("AuthorizerId") or None
    current: dict[str, Any] | None = None
    if api_id and current_id:
        current = read_or_none(
            f"{resource} authorizer {current_id}", lambda: client.get_authorizer(ApiId=api_id, AuthorizerId=current_id)
        )
    current_type = (route or {}).get("AuthorizationType") or "NONE"
    changes: list[Change] = []

    if wanted is not None and (current is None or current.get("AuthorizerType") != wanted["AuthorizerType"]):

        def create(outputs: Outputs) -> None:
            target_api = api_id or outputs["http_api_id"]
            created = client.create_authorizer(ApiId=target_api, **wanted)
            outputs["http_authorizer_id"] = created["AuthorizerId"]

        changes.append(
            Change(
                "create",
                f"{resource} authorizer {wanted['Name']}",
                f"{wanted['AuthorizerType']} authorizer",
                create,
                step="create HTTP API authorizer",
            )
        )
    elif wanted is not None and current is not None and not _authorizer_matches(current, wanted):

        def update(outputs: Outputs) -> None:
            client.update_authorizer(ApiId=api_id, AuthorizerId=current_id, **wanted)

        changes.append(
            Change(
                "update",
                f"{resource} authorizer {wanted['Name']}",
                "settings changed",
                update,
                step="update HTTP API authorizer",
            )
        )

    replaced = current is not None and (wanted is None or current.get("AuthorizerType") != wanted["AuthorizerType"])
    if current_type != wanted_type or changes and changes[0].action == "create" or route is None:

        def set_route(outputs: Outputs) -> None:
            target_api = api_id or outputs["http_api_id"]
            route_id = (route or {}).get("RouteId") or outputs["http_route_id"]
            params: dict[str, Any] = {"AuthorizationType": wanted_type}
            if wanted is not None:
                params["AuthorizerId"] = outputs.get("http_authorizer_id") or current_id
            elif current_id:
                params["AuthorizerId"] = ""
            client.update_route(ApiId=target_api, RouteId=route_id, **params)

        if wanted_type != "NONE" or route is not None:
            changes.append(
                Change(
                    "update",
                    f"{resource} route $default",
                    f"authorization {current_type} -> {wanted_type}",
                    set_route,
                    step="set HTTP API route authorization",
                )
            )
    if replaced:
        changes.append(
            Change(
                "delete",
                f"{resource} authorizer {current_id}",
                "no longer configured",
                lambda o: client.delete_authorizer(ApiId=api_id, AuthorizerId=current_id),
                step="delete HTTP API authorizer",
            )
        )
    return changes


def http_route_type(ctx: Context) -> str:
    """The authorization type the ``$default`` route gets (``NONE``: open)."""
    return _route_type(for_gateway(ctx, "http"))


def http_route_auth(ctx: Context, aws: AwsSession, function: str) -> tuple[str, dict[str, Any] | None]:
    """The ``$default`` route's authorization type and its authorizer's parameters
    (``None``: no authorizer), as ``plan_http_route`` sets them; ``lw template`` exports
    the same."""
    found = for_gateway(ctx, "http")
    return _route_type(found), _http_authorizer_params(aws, ctx.app, function, found)
