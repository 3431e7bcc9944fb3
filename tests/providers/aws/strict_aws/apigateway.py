"""API Gateway as AWS behaves: control-plane quotas, and the two things moto never
does: executing a REST API's mock integration for a preflight (with the binary media
type rule) and selecting an HTTP API's route with its authorization."""

from __future__ import annotations

import json
from typing import Any


class ApiGatewayModel:
    """Mixed into ``StrictAws``."""

    delays: Any
    _quota_last: dict[tuple[str, str], float]
    _rest_docs: dict[str, dict[str, Any]]
    _rest_binary: dict[str, list[str]]

    # ------------------------------------------------------------------ API Gateway

    def _quota(self, client: Any, operation: str) -> None:
        key = (client.meta.region_name, operation)
        now = self._now()
        last = self._quota_last.get(key)
        if last is not None and now - last < self.delays.apigw_quota_window:
            raise self._error(client, operation, "TooManyRequestsException", "Too Many Requests", 429)
        self._quota_last[key] = now

    def _apigateway_DeleteRestApi(self, client: Any, params: dict[str, Any]) -> tuple[bool, Any]:
        self._quota(client, "DeleteRestApi")
        return False, None

    def _apigateway_CreateDomainName(self, client: Any, params: dict[str, Any]) -> tuple[bool, Any]:
        self._quota(client, "CreateDomainName")
        return False, None

    def _apigatewayv2_CreateDomainName(self, client: Any, params: dict[str, Any]) -> tuple[bool, Any]:
        self._quota(client, "CreateDomainName")
        return False, None

    def _after_apigateway_CreateRestApi(self, client: Any, params: dict[str, Any], response: Any) -> Any:
        self._rest_binary[response["id"]] = list(params.get("binaryMediaTypes") or [])
        return response

    def _after_apigateway_PutRestApi(self, client: Any, params: dict[str, Any], response: Any) -> Any:
        body = params["body"]
        document = json.loads(body.read() if hasattr(body, "read") else body)
        self._rest_docs[params["restApiId"]] = document
        extension = document.get("x-amazon-apigateway-binary-media-types")
        if extension is not None:
            self._rest_binary[params["restApiId"]] = list(extension)
        return response

    def _after_apigateway_UpdateRestApi(self, client: Any, params: dict[str, Any], response: Any) -> Any:
        types = self._rest_binary.setdefault(params["restApiId"], [])
        for op in params.get("patchOperations") or []:
            if op.get("path", "").startswith("/binaryMediaTypes/"):
                value = op["path"].split("/", 2)[2].replace("~1", "/")
                if op["op"] == "add" and value not in types:
                    types.append(value)
                elif op["op"] == "remove" and value in types:
                    types.remove(value)
        return response

    def rest_preflight(
        self, api_id: str, path: str, origin: str = "https://app.example.com", content_type: str | None = None
    ) -> tuple[int, dict[str, str]]:
        """What a CORS preflight to ``path`` gets from the deployed REST API: a status
        and headers, or ``(0, {})`` when it reached the Lambda proxy integration."""
        document = self._rest_docs.get(api_id)
        if document is None:
            raise AssertionError(f"no definition was put for REST API {api_id}")
        paths = document.get("paths") or {}
        item = paths.get(path) or (paths.get("/{proxy+}") if path != "/" else None)
        if item is None:
            return 403, {"x-amzn-ErrorType": "MissingAuthenticationTokenException"}
        method = item.get("options")
        if method is None:
            return 0, {}
        if method.get("security"):
            return 401, {}
        integration = method.get("x-amazon-apigateway-integration") or {}
        if str(integration.get("type", "")).lower() != "mock":
            return 0, {}
        binary = self._rest_binary.get(api_id) or []
        payload_is_binary = any(t == "*/*" or (content_type and _media_matches(t, content_type)) for t in binary)
        if (
            payload_is_binary
            and integration.get("contentHandling") != "CONVERT_TO_TEXT"
            and integration.get("requestTemplates")
        ):
            # the request template cannot be applied to a binary payload:
            # "Execution failed due to configuration error: Unable to transform request"
            return 500, {"x-amzn-ErrorType": "InternalServerErrorException"}
        response = (integration.get("responses") or {}).get("default") or {}
        headers = {}
        for key, value in (response.get("responseParameters") or {}).items():
            headers[key.rsplit(".", 1)[-1]] = str(value).strip("'")
        return int(response.get("statusCode") or 200), headers

    def http_preflight(
        self, api_id: str, path: str, origin: str = "https://app.example.com", region: str = "us-east-1"
    ) -> tuple[int, str]:
        """What ``OPTIONS path`` (a preflight, so without credentials) gets from an HTTP
        API: ``(status, route key)``; 0 means it reached the integration."""
        import boto3

        client = boto3.client("apigatewayv2", region_name=region)
        routes = self._raw(client, "GetRoutes", {"ApiId": api_id}).get("Items") or []
        api = self._raw(client, "GetApi", {"ApiId": api_id})
        route = select_route(routes, "OPTIONS", path)
        if route is None:
            return (204 if api.get("CorsConfiguration") else 404), ""
        auth = str(route.get("AuthorizationType") or "NONE")
        if auth in ("JWT", "CUSTOM"):
            return 401, str(route["RouteKey"])
        if auth == "AWS_IAM":
            return 403, str(route["RouteKey"])
        cors = api.get("CorsConfiguration") or {}
        if cors:
            return 204, str(route["RouteKey"])
        return 0, str(route["RouteKey"])


def _media_matches(pattern: str, content_type: str) -> bool:
    kind = content_type.split(";", 1)[0].strip().lower()
    pattern = pattern.lower()
    if pattern.endswith("/*"):
        return kind.startswith(pattern[:-1])
    return kind == pattern


def _route_matches(route_path: str, path: str) -> tuple[bool, int]:
    """Whether ``path`` matches ``route_path`` and how specific the match is (higher
    wins): literal segments > ``{param}`` > greedy ``{proxy+}``."""
    want = [s for s in route_path.strip("/").split("/") if s]
    have = [s for s in path.strip("/").split("/") if s]
    score = 0
    for index, segment in enumerate(want):
        if segment.endswith("+}"):
            return len(have) > index, score
        if index >= len(have):
            return False, 0
        if segment.startswith("{"):
            score += 1
        elif segment == have[index]:
            score += 2
        else:
            return False, 0
    return len(want) == len(have), score + 1000


def select_route(routes: list[dict[str, Any]], method: str, path: str) -> dict[str, Any] | None:
    """API Gateway's HTTP API route selection: the most specific path wins, then the
    exact method over ``ANY``; ``$default`` catches what nothing else matched."""
    best: tuple[int, int, dict[str, Any]] | None = None
    default = None
    for route in routes:
        key = str(route.get("RouteKey"))
        if key == "$default":
            default = route
            continue
        verb, _, route_path = key.partition(" ")
        if verb not in (method, "ANY"):
            continue
        ok, score = _route_matches(route_path, path)
        if not ok:
            continue
        rank = (score, 1 if verb == method else 0)
        if best is None or rank > best[:2]:
            best = (*rank, route)
    return best[2] if best else default
