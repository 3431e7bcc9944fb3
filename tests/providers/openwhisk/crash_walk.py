"""The crash walk of issue #19: examples/hybrid-thumbnailer through four sequences on
the fake controller, with a fault injected at each write in turn.

Sequences (each starts from the clean end state of the one before):
  1. first deploy (v1: the example as shipped, code A)
  2. code-only redeploy (code B, same lw.yml)
  3. configuration + events change (code B; env var, memory, nightly's cron, a new
     ``hourly`` schedule, keep_warm off so its trigger goes)
  4. undeploy

``Walk`` runs lw in-process (plan + apply through the provider's hooks, with
pre-built artifacts, so no packaging per run); a ``kill`` is ``SimulatedKill`` raised
by a wrapped client right after the fatal write. ``test_ow_crash_cli.py`` kills a real
``lw`` process for a few of the same points.
"""

from __future__ import annotations

import copy
import hashlib
import io
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fake_faults import FaultPlan, InProcessAdapter, KillSwitch, SimulatedKill
from fake_openwhisk import GUEST_AUTH, FakeOpenWhisk

from lw.core import workflow
from lw.core.artifact import Artifact, Build
from lw.core.context import Context, Reporter
from lw.core.errors import LwError
from lw.core.plan import apply_plan
from lw.providers.openwhisk import plugin
from lw.providers.openwhisk.client import OpenWhiskClient

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "hybrid-thumbnailer"
SEQUENCES = ("first-deploy", "code-redeploy", "config-and-events", "undeploy")
MODES = ("5xx", "lost", "kill")
PACKAGE = "hybrid-thumbnailer-dev"


def write_project(root: Path) -> Path:
    """The example, plus a v3 lw.yml; requirements are dropped (the fake never runs the code)."""
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("__pycache__", ".lw"))
    (root / "requirements.txt").write_text("")
    text = (root / "lw.yml").read_text()
    v3 = text.replace("  memory_size: 512\n", "  memory_size: 256\n  keep_warm: false\n")
    v3 = v3.replace(
        "expression: cron(0 3 * * ? *)",
        "expression: cron(0 4 * * ? *)\n"
        "  - function: thumbnailer.events.nightly_cleanup\n    name: hourly\n    expression: rate(1 hour)",
    )
    assert v3.rstrip().endswith("THUMBNAILER_STORAGE: local"), "the openwhisk block no longer ends the example's lw.yml"
    v3 = v3.rstrip() + "\n      THUMBNAIL_NOTE: v3\n"  # into the openwhisk block's environment
    assert v3.count("hourly") == 1 and "keep_warm: false" in v3 and "THUMBNAIL_NOTE" in v3, (
        "the example's lw.yml changed shape"
    )
    (root / "lw-v3.yml").write_text(v3)
    return root


def change_code(root: Path) -> None:
    with (root / "thumbnailer" / "web.py").open("a") as f:
        f.write("\n# release B\n")


@dataclass
class Variant:
    """One deployable state: an lw.yml and the artifact built from it."""

    name: str
    config: Path
    artifact: Artifact
    bindings: frozenset[str]


class Walk:
    def __init__(self, fake: FakeOpenWhisk, root: Path, work: Path) -> None:
        self.fake = fake
        self.root = root
        self.work = work
        os.environ["LW_OPENWHISK_APIHOST"] = fake.url
        os.environ["LW_OPENWHISK_AUTH"] = GUEST_AUTH
        self._loaded: dict[Path, workflow.Session] = {}
        self.variants: dict[str, Variant] = {}
        self.variants["v1"] = self._variant("v1", root / "lw.yml")
        change_code(root)
        self.variants["v2"] = self._variant("v2", root / "lw.yml")
        self.variants["v3"] = self._variant("v3", root / "lw-v3.yml")
        self.kill_switch = KillSwitch()
        self.adapter = InProcessAdapter(fake)
        self.bytes_by_sha = {v.artifact.sha256: v for v in self.variants.values()}
        self.config_of: dict[str, str] = {}  # the app's lw:config after a clean deploy of each variant

    # -------------------------------------------------------------- running lw

    def _session(self, config: Path) -> workflow.Session:
        """A fresh command context (so nothing read remotely is reused between runs);
        the parsed lw.yml and the plugin manager are the same for every run."""
        if config not in self._loaded:
            self._loaded[config] = workflow.open_stage(
                config, stage="dev", provider="openwhisk", reporter=Reporter(stream=io.StringIO())
            )
        loaded = self._loaded[config]
        return workflow.Session(
            ctx=Context(app=loaded.ctx.app, reporter=loaded.ctx.reporter), providers=loaded.providers
        )

    def _variant(self, name: str, config: Path) -> Variant:
        session = self._session(config)
        build_root = self.work / f"build-{name}"
        shutil.copytree(self.root / "thumbnailer", build_root / "thumbnailer")
        ctx = Context(
            app=session.ctx.app, reporter=session.ctx.reporter, options={"package_out": str(self.work / f"{name}.zip")}
        )
        artifact = plugin.lw_package(ctx=ctx, build=Build(root=build_root, app_files=5, dependency_files=0))
        bindings = frozenset(b.name for b in session.ctx.app.events_for("openwhisk")) | (
            {"keep-warm"} if session.ctx.app.keep_warm else set()
        )
        return Variant(name, config, artifact, bindings)

    def run(self, step: str) -> str | None:
        """One lw command (``v1``/``v2``/``v3`` = deploy, ``undeploy``): None, the
        one-line error, or ``"killed"``."""
        self.kill_switch.killed = False
        original = OpenWhiskClient.request
        guarded = self.kill_switch.wrap(original)
        adapter = self.adapter

        def request(client: OpenWhiskClient, *args: Any, **kwargs: Any) -> Any:
            client.session.mount(self.fake.url, adapter)
            return guarded(client, *args, **kwargs)

        OpenWhiskClient.request = request  # type: ignore[method-assign]
        try:
            if step == "undeploy":
                workflow.undeploy(self._session(self.variants["v3"].config), dry_run=False, keep_logs=False)
            else:
                variant = self.variants[step]
                session = self._session(variant.config)
                apply_plan(workflow.plan_deploy(session, variant.artifact))
        except SimulatedKill:
            return "killed"
        except LwError as exc:
            return str(exc)
        finally:
            OpenWhiskClient.request = original  # type: ignore[method-assign]
        return None

    def count_writes(self, step: str) -> int:
        saved = save(self.fake)
        self.fake.faults = FaultPlan("5xx", at=10**9)
        try:
            assert self.run(step) is None
            return self.fake.faults.seen
        finally:
            self.fake.faults = None
            restore(self.fake, saved)

    # -------------------------------------------------------------- checks

    def serving(self) -> tuple[str | None, list[str]]:
        """What serves HTTP (the app's variant) and problems with what serves events."""
        problems: list[str] = []
        app = self.fake.actions.get((PACKAGE, "app"))
        http = self._variant_of(app) if app else None
        for name, trigger in self.fake.triggers.items():
            binding = next((p["value"] for p in trigger.get("parameters", []) if p["key"] == "lw_binding"), None)
            for link_name, link in (trigger.get("rules") or {}).items():
                if link["status"] != "active" or link_name.split("/", 1)[1] not in self.fake.rules:
                    continue
                target = self._resolve(link["action"])
                if target is None:
                    problems.append(f"rule {link_name} fires into a missing action")
                    continue
                events = self._variant_of(target)
                if events != http:
                    problems.append(f"mixed release: HTTP serves {http}, trigger {name} runs {events}")
                elif binding not in self.variants[events].bindings:
                    problems.append(f"trigger {name} fires binding {binding} that release {events} does not know")
        return http, problems

    def _resolve(self, action_ref: dict[str, str]) -> dict[str, Any] | None:
        package = action_ref["path"].split("/", 1)[1] if "/" in action_ref["path"] else ""
        action = self.fake.actions.get((package, action_ref["name"]))
        while action and action["exec"]["kind"] == "sequence":
            _, _, rest = action["exec"]["components"][0].split("/", 2)
            pkg, _, name = rest.rpartition("/")
            action = self.fake.actions.get((pkg, name))
        return action

    def _variant_of(self, action: dict[str, Any]) -> str:
        sha = hashlib.sha256(
            self.fake.deployed_code(*next(k for k, v in self.fake.actions.items() if v is action))
        ).hexdigest()
        variant = self.bytes_by_sha.get(sha)
        if variant is None:
            return f"unknown code {sha[:12]}"
        # the code and the configuration it was released with
        config = next((a["value"] for a in action["annotations"] if a["key"] == "lw:config"), None)
        expected = self.config_of.get(variant.name)
        return variant.name if expected in (None, config) else f"{variant.name} with configuration {config}"

    def remember_config(self, variant: str) -> None:
        app = self.fake.actions[(PACKAGE, "app")]
        self.config_of[variant] = next(a["value"] for a in app["annotations"] if a["key"] == "lw:config")

    def invariants(self) -> list[str]:
        """What must hold after any fault: no orphaned alarm, no schedule marked done without one."""
        problems = []
        for registered in self.fake.alarm_registrations:
            if registered.rsplit("/", 1)[-1] not in self.fake.triggers:
                problems.append(f"orphaned alarm {registered}")
        for name, trigger in self.fake.triggers.items():
            ann = {a["key"]: a["value"] for a in trigger["annotations"]}
            if "lw:config" in ann and "feed" in ann and f"/guest/{name}" not in self.fake.alarm_registrations:
                problems.append(f"trigger {name} is marked complete but its feed is not registered")
        return problems


# ------------------------------------------------------------------ fake state

STATE = ("packages", "actions", "triggers", "rules", "alarm_registrations")


def save(fake: FakeOpenWhisk) -> dict[str, Any]:
    return {name: copy.deepcopy(getattr(fake, name)) for name in STATE}


def restore(fake: FakeOpenWhisk, saved: dict[str, Any]) -> None:
    for name in STATE:
        setattr(fake, name, copy.deepcopy(saved[name]))
    fake.requests.clear()


def normalized(fake: FakeOpenWhisk) -> dict[str, Any]:
    """The state a clean deploy must reproduce: entities with their annotations,
    parameters, limits and links; timestamps, versions and release stamps left out."""

    def annotations(entity: dict[str, Any]) -> dict[str, Any]:
        return {a["key"]: (True if a["key"] == "lw:released" else a["value"]) for a in entity.get("annotations", [])}

    actions = {}
    for key, action in fake.actions.items():
        exec_ = dict(action["exec"])
        if "code" in exec_:
            exec_["code"] = hashlib.sha256(exec_["code"].encode()).hexdigest()
        actions["/".join(key)] = {
            "exec": exec_,
            "limits": action["limits"],
            "parameters": action["parameters"],
            "annotations": annotations(action),
        }
    return copy.deepcopy(
        {  # a copy: the fake keeps mutating what it holds (rule links)
            "packages": {
                n: {"annotations": annotations(p), "parameters": p["parameters"]} for n, p in fake.packages.items()
            },
            "actions": actions,
            "triggers": {
                n: {"annotations": annotations(t), "parameters": t["parameters"], "rules": t.get("rules")}
                for n, t in fake.triggers.items()
            },
            "rules": {
                n: {k: r[k] for k in ("trigger", "action", "status")} | {"annotations": annotations(r)}
                for n, r in fake.rules.items()
            },
            "alarms": fake.alarm_registrations,
        }
    )


def one_line(message: str) -> bool:
    return bool(message) and "\n" not in message and "Traceback" not in message
