"""A loopback fake of the OpenWhisk controller, strict about what clients send.

Every request under ``/api/v1`` is validated against the vendored official swagger;
violations are recorded (``fake.violations``) and answered with a 400, so a test
fails loudly when lw sends something the real controller's contract does not allow.
Answers follow the controller's documented behavior: ``{"error", "code"}`` bodies,
401 on a wrong key, 404s, 409 without ``overwrite``, action updates that keep what
they omit and replace the annotations they send (``action_annotations="merge"`` for
1.0.0 and later), sequences, ``?code=false``, rules requiring existing triggers and
actions, and feeds that only act when invoked (invocations of ``/whisk.system/alarms/*``
are recorded; CREATE replaces a registration, as the alarms provider does).
``faults`` (see ``fake_faults.py``) injects a failure at one chosen write.

User actions are run by an optional ``runner`` (see ``action_runner.py``) so a
blocking invoke or a trigger fire executes the real deployed zip.
"""

from __future__ import annotations

import base64
import binascii
import copy
import itertools
import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, unquote, urlsplit

from fake_alarms import validate_create
from fake_faults import FaultPlan
from fake_web import WebPath
from swagger_validator import SwaggerValidator

GUEST_AUTH = "23bc46b1-71f6-4ed5-8c54-816aa4f8c502:123zO3xZCLrMN6v2BKK1dXYFpXlPkccOFqm12CdAsMgRU4VrNZ9lyGVCGuMDGIwP"
MB = 1024 * 1024
CODE_LIMIT = 48 * MB
ALARM_FEEDS = ("alarm", "interval", "once")

_VALIDATOR: SwaggerValidator | None = None


def validator() -> SwaggerValidator:
    global _VALIDATOR
    if _VALIDATOR is None:
        _VALIDATOR = SwaggerValidator()
    return _VALIDATOR


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    status: int = 0

    @property
    def is_write(self) -> bool:
        return self.method != "GET"


@dataclass
class Injected:
    method: str
    pattern: re.Pattern[str]
    status: int
    error: str
    times: int
    headers: dict[str, str] = field(default_factory=dict)


class ControllerError(Exception):
    def __init__(self, status: int, error: str) -> None:
        super().__init__(error)
        self.status = status
        self.error = error


Runner = Callable[[dict[str, Any], dict[str, Any]], tuple[Any, list[str], bool]]


class FakeOpenWhisk:
    def __init__(
        self,
        *,
        auth: str = GUEST_AUTH,
        namespace: str = "guest",
        kinds: tuple[str, ...] = ("python:3.10", "python:3.11"),
        alarms: bool = True,
        runner: Runner | None = None,
        action_annotations: str = "replace",
    ) -> None:
        self.auth = auth
        self.namespace = namespace
        self.kinds = kinds
        self.alarms = alarms
        self.runner = runner
        # How an action update treats annotations it carries (see _updated_annotations).
        self.action_annotations = action_annotations
        self.faults: FaultPlan | None = None
        self.packages: dict[str, dict[str, Any]] = {}
        self.actions: dict[tuple[str, str], dict[str, Any]] = {}
        self.triggers: dict[str, dict[str, Any]] = {}
        self.rules: dict[str, dict[str, Any]] = {}
        self.activations: list[dict[str, Any]] = []
        self.feed_calls: list[dict[str, Any]] = []
        self.alarm_registrations: dict[str, dict[str, Any]] = {}
        self.requests: list[Recorded] = []
        self.violations: list[str] = []
        self.feed_failure: str | None = None
        self._injected: list[Injected] = []
        self._request_headers: dict[str, str] = {}
        self._lock = threading.RLock()
        self._tx = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> "FakeOpenWhisk":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body are separate writes

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                if self.path.startswith("/api/v1/web/"):
                    self._serve_web(raw)
                    return
                status, body, headers = fake.handle(self.command, self.path, dict(self.headers), raw)
                payload = b"" if body is None else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            def _serve_web(self, raw: bytes) -> None:
                """Web actions answer with the action's own status, headers and body."""
                reply = fake.web.handle(self.command, self.path, list(self.headers.items()), raw)
                self.send_response(reply.status, "")
                for name, value in reply.headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(reply.body)

            do_GET = do_PUT = do_POST = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _serve

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # ------------------------------------------------------------------ test helpers

    def inject(
        self,
        method: str,
        path_regex: str,
        status: int,
        error: str = "injected",
        *,
        times: int = 1,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer the next ``times`` matching requests with ``status`` (for retries and outages)."""
        self._injected.append(Injected(method, re.compile(path_regex), status, error, times, dict(headers or {})))

    def writes(self) -> list[Recorded]:
        return [r for r in self.requests if r.is_write]

    def reset_log(self) -> None:
        self.requests.clear()

    def deployed_code(self, package: str, action: str) -> bytes:
        """The zip lw uploaded, taken from the stored PUT (not a rebuilt copy)."""
        return base64.b64decode(self.actions[(package, action)]["exec"]["code"])

    def last_put(self, path_suffix: str) -> Recorded:
        return [r for r in self.requests if r.method == "PUT" and r.path.endswith(path_suffix)][-1]

    # ------------------------------------------------------------------ dispatch

    def handle(
        self, method: str, raw_path: str, headers: dict[str, str], raw: bytes
    ) -> tuple[int, Any, dict[str, str]]:
        split = urlsplit(raw_path)
        path = split.path
        query = parse_qs(split.query, keep_blank_values=True)
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("latin-1")
        with self._lock:
            self._request_headers = {
                k: v for k, v in headers.items() if k.lower() not in ("content-length", "timeout-access")
            }
            record = Recorded(method, unquote(path), query, body)
            self.requests.append(record)
            run = lambda: self._handle(method, path, query, headers, raw, body)  # noqa: E731
            status, answer, extra = self.faults.around(method, path, run, self._error) if self.faults else run()
            record.status = status
            return status, answer, extra

    def _error(self, status: int, message: str) -> tuple[int, Any, dict[str, str]]:
        return status, {"error": message, "code": f"tx{next(self._tx):06d}"}, {}

    def _handle(self, method, path, query, headers, raw, body):
        if path == "/" and method == "GET":
            return 200, self.info(), {}
        for injected in self._injected:
            if injected.times > 0 and injected.method == method and injected.pattern.search(path):
                injected.times -= 1
                status, answer, _ = self._error(injected.status, injected.error)
                return status, answer, injected.headers
        if not path.startswith("/api/v1/"):
            return self._error(404, "The requested resource does not exist.")
        problems = validator().validate(method, path, query, raw or None)
        if problems:
            self.violations.extend(f"{method} {path}: {p}" for p in problems)
            return self._error(400, "The request content was malformed:\n" + "; ".join(problems))
        if headers.get("Authorization") != "Basic " + base64.b64encode(self.auth.encode()).decode():
            return self._error(401, "The supplied authentication is invalid")
        parts = [unquote(p) for p in path[len("/api/v1/") :].split("/")]
        if parts == ["namespaces"]:
            return 200, [self.namespace], {}
        ns = parts[1]
        if ns == "_":
            ns = self.namespace
        if ns not in (self.namespace, "whisk.system"):
            return self._error(403, f"The supplied authentication is not authorized to access '{ns}'.")
        flag = lambda name: (query.get(name) or ["false"])[0] == "true"  # noqa: E731
        try:
            collection, rest = parts[2], parts[3:]
            if ns == "whisk.system":
                return self._system(method, collection, rest, body, flag)
            handler = getattr(self, f"_{collection}")
            return handler(method, rest, query, body, flag)
        except ControllerError as exc:
            return self._error(exc.status, exc.error)

    # ------------------------------------------------------------------ entities

    def info(self) -> dict[str, Any]:
        return {
            "description": "OpenWhisk",
            "support": {"github": "https://github.com/apache/openwhisk/issues"},
            "api_paths": ["/api/v1"],
            "limits": {
                "actions_per_minute": 120,
                "triggers_per_minute": 60,
                "concurrent_actions": 100,
                "min_action_duration": 100,
                "max_action_duration": 300000,
                "min_action_memory": 128 * MB,
                "max_action_memory": 512 * MB,
            },
            "runtimes": {
                "python": [
                    {
                        "kind": k,
                        # as ExecManifest.toJson resolves it: no registry means Docker Hub
                        "image": f"openwhisk/action-python-v{k.partition(':')[2]}:nightly",
                        "default": k == self.kinds[0],
                        "deprecated": False,
                        "attached": True,
                        "requireMain": False,
                    }
                    for k in self.kinds
                ]
            },
        }

    def _meta(self, name: str, old: dict[str, Any] | None) -> dict[str, Any]:
        version = "0.0.1"
        if old:
            major, minor, patch = (int(x) for x in old["version"].split("."))
            version = f"{major}.{minor}.{patch + 1}"
        return {
            "namespace": self.namespace,
            "name": name,
            "version": version,
            "publish": False,
            "updated": int(time.time() * 1000),
        }

    def _packages(self, method, rest, query, body, flag):
        if not rest:
            return 200, [self._brief(p) for p in self.packages.values()], {}
        name = rest[0]
        existing = self.packages.get(name)
        if method == "GET":
            if existing is None:
                raise ControllerError(404, "The requested resource does not exist.")
            return 200, self._package_view(existing), {}
        if method == "PUT":
            if name == "default":
                raise ControllerError(400, "Package name 'default' is reserved.")
            if existing and not flag("overwrite"):
                raise ControllerError(409, "resource already exists")
            entity = self._meta(name, existing)
            entity["annotations"] = body.get("annotations", existing["annotations"] if existing else [])
            entity["parameters"] = body.get("parameters", existing["parameters"] if existing else [])
            entity["binding"] = body.get("binding") or {}
            self.packages[name] = entity
            return 200, self._package_view(entity), {}
        if method == "DELETE":
            if existing is None:
                raise ControllerError(404, "The requested resource does not exist.")
            contents = [k for k in self.actions if k[0] == name]
            if contents and not flag("force"):
                raise ControllerError(
                    409,
                    f"Package not empty (contains {len(contents)} entity). Set force param or delete package contents.",
                )
            for key in contents:
                del self.actions[key]
            del self.packages[name]
            return 200, existing, {}
        raise ControllerError(405, "method not allowed")

    def _package_view(self, entity: dict[str, Any]) -> dict[str, Any]:
        view = copy.deepcopy(entity)
        view["actions"] = [
            {"name": a["name"], "version": a["version"], "annotations": a["annotations"]}
            for (pkg, _), a in sorted(self.actions.items())
            if pkg == entity["name"]
        ]
        view["feeds"] = []
        return view

    @staticmethod
    def _brief(entity: dict[str, Any]) -> dict[str, Any]:
        keys = ("namespace", "name", "version", "publish", "annotations", "updated")
        return {k: copy.deepcopy(entity[k]) for k in keys if k in entity}

    def _actions(self, method, rest, query, body, flag):
        if not rest:
            return 200, [self._brief(a) for a in self.actions.values()], {}
        package, name = (rest[0], rest[1]) if len(rest) == 2 else ("", rest[0])
        key = (package, name)
        existing = self.actions.get(key)
        if method == "GET":
            if existing is None:
                raise ControllerError(404, "The requested resource does not exist.")
            view = copy.deepcopy(existing)
            if (query.get("code") or ["true"])[0] == "false":
                view["exec"].pop("code", None)
            return 200, view, {}
        if method == "PUT":
            return 200, self._put_action(key, existing, body, flag), {}
        if method == "DELETE":
            if existing is None:
                raise ControllerError(404, "The requested resource does not exist.")
            del self.actions[key]
            return 200, existing, {}
        if method == "POST":
            if existing is None:
                raise ControllerError(404, "The requested resource does not exist.")
            return self._invoke(existing, body or {}, flag("blocking"), flag("result"))
        raise ControllerError(405, "method not allowed")

    def _put_action(self, key, existing, body, flag):
        package, name = key
        if package and package not in self.packages:
            raise ControllerError(404, "The requested resource does not exist.")
        if existing and not flag("overwrite"):
            raise ControllerError(409, "resource already exists")
        exec_ = body.get("exec")
        if existing is None and not exec_:
            raise ControllerError(400, "The request content was malformed:\n'exec' must be defined")
        entity = self._meta(name, existing)
        if exec_ and exec_.get("kind") == "sequence":
            entity["exec"] = {"kind": "sequence", "components": self._sequence_components(exec_)}
        elif exec_ and str(exec_.get("kind") or "").strip().lower() == "blackbox":
            entity["exec"] = _blackbox_exec(exec_)
        elif exec_:
            kind = exec_.get("kind")
            if kind not in self.kinds:
                raise ControllerError(
                    400,
                    f"The specified runtime '{kind}' is not supported by this platform. Valid values are: {', '.join(self.kinds)}.",
                )
            code = exec_.get("code") or ""
            if len(code) > CODE_LIMIT:
                raise ControllerError(413, f"exec larger than allowed: {len(code)} > {CODE_LIMIT} bytes.")
            entity["exec"] = {"kind": kind, "code": code, "binary": _is_base64(code), "main": exec_.get("main", "main")}
        else:
            entity["exec"] = copy.deepcopy(existing["exec"])
        limits = {"timeout": 60000, "memory": 256, "logs": 10, "concurrency": 1}
        limits.update((existing or {}).get("limits") or {})
        limits.update(body.get("limits") or {})
        if not 128 <= limits["memory"] <= 512:
            raise ControllerError(400, f"memory {limits['memory']} MB exceeds allowed threshold of 512 MB")
        if not 100 <= limits["timeout"] <= 300000:
            raise ControllerError(
                400, f"duration {limits['timeout']} milliseconds exceeds allowed threshold of 300000 milliseconds"
            )
        entity["limits"] = limits
        for param in body.get("parameters") or []:
            if "key" not in param:
                raise ControllerError(400, "The request content was malformed:\nparameter without key")
        entity["parameters"] = self._updated_parameters(existing, body, entity["exec"])
        merged = self._updated_annotations(existing, body)
        merged["exec"] = entity["exec"]["kind"].split(":")[0]
        if existing is None:
            merged.setdefault("provide-api-key", False)
        entity["annotations"] = [{"key": k, "value": v} for k, v in merged.items()]
        self.actions[key] = entity
        view = copy.deepcopy(entity)
        view["exec"].pop("code", None)
        return view

    def _triggers(self, method, rest, query, body, flag):
        if not rest:
            return 200, [self._brief(t) for t in self.triggers.values()], {}
        name = rest[0]
        existing = self.triggers.get(name)
        if method == "GET":
            if existing is None:
                raise ControllerError(404, "The requested resource does not exist.")
            return 200, existing, {}
        if method == "PUT":
            if existing and not flag("overwrite"):
                raise ControllerError(409, "resource already exists")
            entity = self._meta(name, existing)
            entity["annotations"] = body.get("annotations", existing["annotations"] if existing else [])
            entity["parameters"] = body.get("parameters", existing["parameters"] if existing else [])
            entity["limits"] = {}
            entity["rules"] = existing.get("rules", {}) if existing else {}  # links survive an update, not a delete
            self.triggers[name] = entity
            return 200, entity, {}
        if method == "DELETE":
            if existing is None:
                raise ControllerError(404, "The requested resource does not exist.")
            del self.triggers[name]
            return 200, existing, {}
        if method == "POST":
            if existing is None:
                raise ControllerError(404, "The requested resource does not exist.")
            return self.fire(name, body or {}, self._request_headers)
        raise ControllerError(405, "method not allowed")

    def fire(
        self, trigger: str, payload: dict[str, Any], headers: dict[str, str] | None = None
    ) -> tuple[int, Any, dict[str, str]]:
        """Fire as the controller does: rule actions get the trigger's parameters, the
        firing request's headers as ``__ow_headers`` and the payload (which wins).
        Without ``headers`` the fire looks like the alarms provider's, which sends the
        namespace owner's key."""
        entity = self.triggers[trigger]
        links = entity.get("rules") or {}
        active = [
            self.rules[n.split("/", 1)[1]]
            for n, link in links.items()
            if link["status"] == "active" and n.split("/", 1)[1] in self.rules
        ]
        if not active:
            return 204, None, {}
        if headers is None:
            headers = {
                "authorization": "Basic " + base64.b64encode(self.auth.encode()).decode(),
                "content-type": "application/json",
                "host": "controllers",
            }
        args = {p["key"]: p["value"] for p in entity.get("parameters", [])}
        args["__ow_headers"] = {name.lower(): value for name, value in headers.items()}
        args.update(payload)
        for rule in active:
            target = self.actions.get(
                (
                    rule["action"]["path"].split("/", 1)[1] if "/" in rule["action"]["path"] else "",
                    rule["action"]["name"],
                )
            )
            if target is not None:
                self._invoke(target, args, True, False)
        return 202, {"activationId": uuid.uuid4().hex}, {}

    def _rules(self, method, rest, query, body, flag):
        if not rest:
            return 200, [self._brief(r) for r in self.rules.values()], {}
        name = rest[0]
        existing = self.rules.get(name)
        if method == "GET":
            if existing is None:
                raise ControllerError(404, "The requested resource does not exist.")
            return 200, self._rule_view(existing), {}
        if method == "PUT":
            if existing and not flag("overwrite"):
                raise ControllerError(409, "resource already exists")
            trigger = self._qualified(body.get("trigger", ""))
            action = self._qualified(body.get("action", ""))
            if trigger is None or action is None:
                raise ControllerError(
                    400, "The request content was malformed:\ntrigger and action must be fully qualified"
                )
            if trigger[1] not in self.triggers:
                raise ControllerError(400, f"trigger {body['trigger']} does not exist")
            pkg, _, action_name = action[1].rpartition("/")
            if (pkg, action_name) not in self.actions:
                raise ControllerError(400, f"action {body['action']} does not exist")
            entity = self._meta(name, existing)
            entity.update(
                {
                    "annotations": body.get("annotations", []),
                    "status": self._rule_status_on_update(name, trigger[1], existing),
                    "trigger": {"path": self.namespace, "name": trigger[1]},
                    "action": {"path": f"{self.namespace}/{pkg}" if pkg else self.namespace, "name": action_name},
                }
            )
            self.rules[name] = entity
            self._link(entity)
            return 200, self._rule_view(entity), {}
        if method == "POST":
            if existing is None:
                raise ControllerError(404, "The requested resource does not exist.")
            if existing["trigger"]["name"] not in self.triggers and body["status"] == "active":
                raise ControllerError(404, "Only rules with existing triggers can be activated")
            existing["status"] = body["status"]
            if existing["trigger"]["name"] in self.triggers:
                self._link(existing)
            return 200, self._rule_view(existing), {}
        if method == "DELETE":
            if existing is None:
                raise ControllerError(404, "The requested resource does not exist.")
            trigger = self.triggers.get(existing["trigger"]["name"])
            if trigger:
                trigger.get("rules", {}).pop(f"{self.namespace}/{name}", None)
            del self.rules[name]
            return 200, existing, {}
        raise ControllerError(405, "method not allowed")

    def _rule_status_on_update(self, name: str, trigger: str, existing: dict[str, Any] | None) -> str:
        """A new rule is active; an updated one keeps the status its current trigger
        records for it, so a recreated trigger (no link yet) leaves it inactive."""
        if existing is None:
            return "active"
        link = (self.triggers[trigger].get("rules") or {}).get(f"{self.namespace}/{name}")
        return link["status"] if link else "inactive"

    def _link(self, rule: dict[str, Any]) -> None:
        """Rules are recorded on their trigger, as the controller does; a recreated
        trigger starts without links until its rules are PUT again."""
        trigger = self.triggers[rule["trigger"]["name"]]
        trigger.setdefault("rules", {})[f"{self.namespace}/{rule['name']}"] = {
            "action": rule["action"],
            "status": rule["status"],
        }

    def _rule_view(self, rule: dict[str, Any]) -> dict[str, Any]:
        view = copy.deepcopy(rule)
        trigger = self.triggers.get(rule["trigger"]["name"]) or {}
        link = (trigger.get("rules") or {}).get(f"{self.namespace}/{rule['name']}")
        view["status"] = link["status"] if link else "inactive"
        return view

    def _qualified(self, path: str) -> tuple[str, str] | None:
        parts = path.split("/")
        if len(parts) < 3 or parts[0] != "" or parts[1] not in ("_", self.namespace):
            return None
        return self.namespace, "/".join(parts[2:])

    def _activations(self, method, rest, query, body, flag):
        if rest:
            found = next((a for a in self.activations if a["activationId"] == rest[0]), None)
            if found is None:
                raise ControllerError(404, "The requested resource does not exist.")
            if len(rest) == 2 and rest[1] == "logs":
                return 200, {"logs": found["logs"]}, {}
            if len(rest) == 2 and rest[1] == "result":
                return 200, found["response"], {}
            return 200, found, {}
        wanted = (query.get("name") or [None])[0]
        since = int((query.get("since") or [0])[0])
        limit = int((query.get("limit") or [30])[0])
        skip = int((query.get("skip") or [0])[0])
        docs = (query.get("docs") or ["false"])[0] == "true"
        rows = [
            a
            for a in reversed(self.activations)
            if a["start"] >= since and (wanted is None or a["qualified"] == wanted)
        ]
        rows = rows[skip : skip + limit]
        return (
            200,
            [
                copy.deepcopy(a)
                if docs
                else {k: a[k] for k in ("namespace", "name", "version", "publish", "activationId", "start")}
                for a in rows
            ],
            {},
        )

    def _limits(self, method, rest, query, body, flag):
        return 200, {"concurrentInvocations": 100, "invocationsPerMinute": 120, "firesPerMinute": 60}, {}

    # ------------------------------------------------------------------ whisk.system

    def _system(self, method, collection, rest, body, flag):
        if collection == "packages" and method == "GET" and rest == ["alarms"] and self.alarms:
            return (
                200,
                {
                    **self._meta("alarms", None),
                    "namespace": "whisk.system",
                    "annotations": [],
                    "parameters": [],
                    "binding": {},
                    "actions": [{"name": f, "version": "0.0.1"} for f in ALARM_FEEDS],
                },
                {},
            )
        if (
            collection == "actions"
            and method == "POST"
            and self.alarms
            and len(rest) == 2
            and rest[0] == "alarms"
            and rest[1] in ALARM_FEEDS
        ):
            return self._feed(rest[1], body or {})
        raise ControllerError(404, "The requested resource does not exist.")

    def _alarm_trigger_exists(self, trigger: str, auth_key: Any) -> bool:
        """The alarms provider's check: GET the trigger with the caller's ``authKey``."""
        return auth_key == self.auth and trigger.rsplit("/", 1)[-1] in self.triggers

    def _feed(self, feed: str, body: dict[str, Any]):
        call = {"feed": f"/whisk.system/alarms/{feed}", **body}
        self.feed_calls.append(call)
        event = body.get("lifecycleEvent")
        trigger = str(body.get("triggerName", ""))
        error = None
        if event != "CREATE" and body.get("authKey") != self.auth:
            error = "Trigger authentication request failed."
        elif self.feed_failure and event == "CREATE":
            error = self.feed_failure
        elif event == "CREATE":
            # A second CREATE replaces the registration, as the alarms provider does.
            error = validate_create(feed, body, self._alarm_trigger_exists)
            if error is None:
                self.alarm_registrations[trigger] = {
                    "feed": feed,
                    **{k: v for k, v in body.items() if k not in ("authKey", "lifecycleEvent", "triggerName")},
                }
        elif event == "DELETE":
            if self.alarm_registrations.pop(trigger, None) is None:
                error = f"could not find trigger {trigger} in the database"
        # The feed action answers a refusal as a rejected promise holding the web
        # action's body, so the activation result is {"error": {"error": message}}.
        activation = self._record(
            f"whisk.system/alarms/{feed}",
            "alarms",
            feed,
            {"error": {"error": error}} if error else {"status": "success"},
            [],
            error is None,
        )
        return (200 if error is None else 502), activation, {}

    # ------------------------------------------------------------------ invocations

    def _record(
        self,
        qualified: str,
        package: str,
        name: str,
        result: Any,
        logs: list[str],
        success: bool,
        status: str | None = None,
    ) -> dict[str, Any]:
        start = int(time.time() * 1000)
        if self.activations:  # distinct, increasing start times, as on a real invoker
            start = max(start, self.activations[-1]["start"] + 1)
        activation = {
            "namespace": self.namespace,
            "name": name,
            "qualified": qualified,
            "version": "0.0.1",
            "publish": False,
            "subject": self.namespace,
            "activationId": uuid.uuid4().hex,
            "start": start,
            "end": start + 5,
            "duration": 5,
            "statusCode": _STATUS_CODES[status or ("success" if success else "application error")],
            "response": {
                "status": status or ("success" if success else "application error"),
                "statusCode": _STATUS_CODES[status or ("success" if success else "application error")],
                "success": success,
                "result": result,
            },
            "logs": logs,
            "annotations": [{"key": "path", "value": f"{self.namespace}/{qualified}"}],
        }
        self.activations.append(activation)
        return activation

    def _invoke(self, action: dict[str, Any], args: dict[str, Any], blocking: bool, result_only: bool):
        key = next(k for k, v in self.actions.items() if v is action)
        qualified = "/".join(p for p in key if p)
        if action["exec"]["kind"] == "sequence":
            return self._invoke_sequence(key, action, args, blocking, result_only)
        if self.runner is None:
            raise ControllerError(502, "this fake has no runner for user actions")
        params = {p["key"]: p["value"] for p in action.get("parameters", []) if not p.get("init")}
        params.update(args)
        result, logs, success = self.runner(action, params)
        activation = self._record(qualified, key[0], key[1], result, logs, success)
        if not blocking:
            return 202, {"activationId": activation["activationId"]}, {}
        status = 200 if success else 502
        return status, (result if result_only else activation), {}

    # ------------------------------------------------------------------ update rules (issue #19)
    # Read from the controller's Actions.scala (updateWhiskAction / makeWhiskAction).

    def _updated_annotations(self, existing: dict[str, Any] | None, body: dict[str, Any]) -> dict[str, Any]:
        """An update that omits ``annotations`` keeps the old ones. One that carries them:

        - ``replace`` (controllers before 1.0.0, and the stricter rule for a client): the
          sent list *is* the new list, so a client must send every annotation it keeps;
        - ``merge`` (1.0.0 and later, apache/openwhisk#4940): old ++ sent, and only
          ``delAnnotations`` removes a key.
        """
        old = {a["key"]: a["value"] for a in (existing or {}).get("annotations", [])}
        sent = body.get("annotations")
        for key_name in body.get("delAnnotations") or []:
            old.pop(key_name, None)
        if sent is None:
            return old
        merged = dict(old) if self.action_annotations == "merge" else {}
        merged.update({a["key"]: a.get("value") for a in sent})
        return merged

    def _updated_parameters(
        self, existing: dict[str, Any] | None, body: dict[str, Any], exec_: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Sent parameters replace the old list; omitted ones are kept. A sequence's only
        parameter is ``_actions`` (its components), and a sequence's parameters never
        leak into the action that replaces it."""
        if exec_["kind"] == "sequence":
            return [{"key": "_actions", "value": list(exec_["components"])}]
        if "parameters" in body:
            return copy.deepcopy(body["parameters"])
        if existing is None or existing["exec"]["kind"] == "sequence":
            return []
        return copy.deepcopy(existing.get("parameters", []))

    def _sequence_components(self, exec_: dict[str, Any]) -> list[str]:
        """Components must be fully qualified existing actions (else 400, as the controller)."""
        components = exec_.get("components") or []
        if not components:
            raise ControllerError(400, "No component specified for the sequence.")
        resolved = []
        for component in components:
            qualified = self._qualified(str(component))
            if qualified is None:
                raise ControllerError(
                    400, "The request content was malformed:\nsequence components must be fully qualified"
                )
            pkg, _, name = qualified[1].rpartition("/")
            if (pkg, name) not in self.actions:
                raise ControllerError(400, "Sequence component does not exist.")
            resolved.append(f"/{self.namespace}/{qualified[1]}")
        return resolved

    def _invoke_sequence(
        self, key: tuple[str, str], action: dict[str, Any], args: dict[str, Any], blocking: bool, result_only: bool
    ):
        """Components are looked up when the sequence runs: updating a component changes
        what every sequence over it runs, at once."""
        result: Any = args
        success = True
        component_ids: list[str] = []
        for component in action["exec"]["components"]:
            pkg, _, name = component.split("/", 2)[2].rpartition("/")
            target = self.actions.get((pkg, name))
            if target is None:
                result, success = {"error": "Sequence component does not exist."}, False
                break
            status, answer, _ = self._invoke(target, dict(result), True, False)
            component_ids.append(answer["activationId"])
            result, success = answer["response"]["result"], answer["response"]["success"]
            if not success:
                break
        activation = self._record("/".join(p for p in key if p), key[0], key[1], result, component_ids, success)
        # as the controller records them: the sequence's kind, and each component's cause
        activation["annotations"] += [{"key": "kind", "value": "sequence"}, {"key": "topmost", "value": True}]
        for component_activation in self.activations:
            if component_activation["activationId"] in component_ids:
                component_activation["cause"] = activation["activationId"]
        if not blocking:
            return 202, {"activationId": activation["activationId"]}, {}
        return (200 if success else 502), (result if result_only else activation), {}

    # ------------------------------------------------------------------ web actions (fake_web.py)

    @property
    def web(self) -> WebPath:
        """The ``/api/v1/web/...`` front door (controller rules in ``fake_web.py``)."""
        if getattr(self, "_web", None) is None:
            self._web = WebPath(self)
        return self._web

    def web_url(self, package: str, action: str) -> str:
        return f"{self.url}/api/v1/web/{self.namespace}/{package or 'default'}/{action}"

    def run_web_action(self, action: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
        """Run a web action as the invoker would and record its activation."""
        if self.runner is None:
            raise ControllerError(502, "this fake has no runner for user actions")
        key = next(k for k, v in self.actions.items() if v is action)
        params = {p["key"]: p["value"] for p in action.get("parameters", []) if not p.get("init")}
        params.update(args)
        activate = getattr(self.runner, "activate", None)
        if activate is not None:
            result, logs, status = activate(action, params)
        else:
            result, logs, success = self.runner(action, params)
            status = "success" if success else "application error"
        return self._record("/".join(p for p in key if p), key[0], key[1], result, logs, status == "success", status)


_STATUS_CODES = {"success": 0, "application error": 1, "action developer error": 2, "whisk internal error": 3}


def _is_base64(code: str) -> bool:
    try:
        base64.b64decode(code, validate=True)
        return bool(code)
    except (binascii.Error, ValueError):
        return False


# The controller's ImageName grammar (common/.../entity/ExecManifest.scala, after
# docker/distribution's reference grammar): [domain/]path[:tag][@digest]. Its domain
# rule is looser than Docker's (it lets "-" start a component); its path components are
# lowercase. A digest parses but is dropped (ImageName keeps registry, prefix, name and
# tag only), so an image must be addressed by tag to run what was pushed.
_OW_DOMAIN = r"(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?::[0-9]+)?|[A-Za-z0-9-]+:[0-9]+)"
_OW_PATH = r"[a-z0-9]+(?:(?:[_.]|__|-*)[a-z0-9]+)*"
_OW_IMAGE = re.compile(
    rf"^(?:{_OW_DOMAIN}/)?{_OW_PATH}(?:/{_OW_PATH})*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}})?"
    r"(?:@[A-Za-z][A-Za-z0-9]*(?:[+._-][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$"
)


def _blackbox_exec(exec_: dict[str, Any]) -> dict[str, Any]:
    """``exec`` of kind ``blackbox`` as Exec.scala reads it: ``image`` a string the
    ImageName parser accepts (else 400), ``code`` optional (blank = none), ``main``
    optional but a string, and the size (code + resolved image name) within 48 MB."""
    image = exec_.get("image")
    if not isinstance(image, str):
        raise ControllerError(
            400, "The request content was malformed:\n'image' must be a string defined in 'exec' for 'blackbox' actions"
        )
    if not _OW_IMAGE.match(image):
        raise ControllerError(400, "The request content was malformed:\ncould not parse image name")
    if "main" in exec_ and not isinstance(exec_["main"], str):
        raise ControllerError(
            400, "The request content was malformed:\nif defined, 'main' be a string in 'exec' for 'blackbox' actions"
        )
    code = exec_.get("code")
    code = code if isinstance(code, str) and code.strip() else None
    resolved = image.split("@", 1)[0]  # the digest is dropped (see _OW_IMAGE)
    size = len(code or "") + len(exec_.get("main") or "") + len(resolved)
    if size > CODE_LIMIT:
        raise ControllerError(413, f"exec larger than allowed: {size} > {CODE_LIMIT} bytes.")
    entity: dict[str, Any] = {"kind": "blackbox", "image": resolved, "binary": bool(code) and _is_base64(code)}
    if code is not None:
        entity["code"] = code
    if "main" in exec_:
        entity["main"] = exec_["main"]
    return entity
