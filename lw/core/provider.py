"""Values that cross the hook boundary between the core and a provider."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping


@dataclass(frozen=True)
class SettingSpec:
    """One configuration key: its type, default and what it is for.

    ``type`` is a tuple of accepted Python types (``bool`` is never accepted for
    ``int``). ``providers`` names the providers that honor it (empty: all).
    ``choices`` restricts string values. The table drives validation,
    ``docs/configuration.md`` and ``lw init``.
    """

    name: str
    type: tuple[type, ...]
    default: Any = None
    doc: str = ""
    providers: tuple[str, ...] = ()
    choices: tuple[Any, ...] = ()

    @property
    def type_name(self) -> str:
        names = {str: "string", int: "integer", float: "number", bool: "boolean", list: "list", dict: "mapping"}
        return " or ".join(names.get(t, t.__name__) for t in self.type)


@dataclass(frozen=True)
class OptionSpec:
    """A command-line option a provider adds to every ``lw`` command (``--region``).

    The core CLI knows no provider's options: each provider declares its own here, and
    the CLI shows them in each command's help under that provider's name. The value
    reaches the provider as ``ctx.option(name)``; ``envvar`` (default ``LW_<NAME>``)
    sets it from the environment. ``type`` is ``str``, ``int`` or ``float``.
    """

    name: str
    help: str
    type: type = str
    envvar: str = ""

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def env(self) -> str:
        return self.envvar or "LW_" + self.name.upper()


@dataclass(frozen=True)
class PackageTarget:
    """What a provider's platform runs, so that the packaging engine builds for it.

    ``platforms``: pip ``--platform`` tags the platform's C library loads
    (``("manylinux2014_x86_64",)``); empty: the tags of the stage's ``architecture``
    and ``runtime`` on Linux/glibc, as Lambda needs them. ``pure_python``: only
    pure-Python wheels (``py3-none-any``), for a platform that loads no compiled code.
    ``python_version`` (``"3.11"``): the one version the platform runs; empty: the
    stage's ``runtime``. ``dependency_folder``: where dependencies go inside the
    archive (Azure Functions: ``.python_packages/lib/site-packages``); empty: the
    archive's root, next to the app. ``ships_runtime``: whether lw's runtime
    (``lw/runtime``) goes into the package; a provider whose entry module does not use
    it says ``False``. ``archive_format``: ``"zip"`` (the only format the engine writes
    so far; any other value is refused when the provider is loaded).
    """

    platforms: tuple[str, ...] = ()
    pure_python: bool = False
    python_version: str = ""
    dependency_folder: str = ""
    ships_runtime: bool = True
    archive_format: str = "zip"

    def __post_init__(self) -> None:
        if self.archive_format != "zip":
            raise ValueError(f"archive_format {self.archive_format!r}: lw writes only 'zip' archives")
        folder = self.dependency_folder.replace("\\", "/").strip("/")
        if folder != self.dependency_folder or ".." in folder.split("/"):
            raise ValueError(
                f"dependency_folder {self.dependency_folder!r}: expected a relative folder such as "
                "'.python_packages/lib/site-packages', without leading or trailing '/' or '..'"
            )


@dataclass(frozen=True)
class ProviderInfo:
    """A provider a plugin offers. ``settings`` are the keys of its stage block
    (``aws:``, ``openwhisk:``, …) and any top-level keys only it honors.

    ``provided_packages`` are distributions the provider's runtime already ships (boto3
    on Lambda); the packaging engine leaves them out of the artifact. ``options`` are
    the command-line options the provider honours (see ``OptionSpec``).

    ``honours`` names the core settings (``docs/configuration.md``'s top-level keys)
    the provider acts on. ``None`` (the default) means every core setting not scoped to
    other providers (``SettingSpec.providers``). A stage that sets a key its provider
    does not honour gets a plan-time warning naming it (an error with ``--strict``),
    and that key's default does not apply. The provider's own ``settings`` and
    ``block_settings`` are always honoured. ``package_target`` says what the platform
    runs (see ``PackageTarget``)."""

    name: str
    description: str
    settings: tuple[SettingSpec, ...] = ()
    block_settings: tuple[SettingSpec, ...] = ()
    provided_packages: tuple[str, ...] = ()
    options: tuple[OptionSpec, ...] = ()
    honours: tuple[str, ...] | None = None
    package_target: PackageTarget = field(default_factory=PackageTarget)

    def honours_setting(self, spec: SettingSpec) -> bool:
        """Whether this provider acts on the top-level key ``spec`` (see ``honours``)."""
        if spec.name in CORE_HANDLED or any(own.name == spec.name for own in self.settings):
            return True
        if self.honours is not None:
            return spec.name in self.honours
        return not spec.providers or self.name in spec.providers


# Keys the core itself acts on, whatever the provider: choosing the stage and provider,
# naming resources, the events list (each event has its own ``providers`` scope), and
# which files are packaged.
CORE_HANDLED = frozenset({"provider", "extends", "project_name", "events", "include", "exclude"})


@dataclass(frozen=True)
class InvokeRequest:
    """What ``lw invoke``/``lw manage`` asks the deployed code to do.

    Exactly one of ``function`` (dotted path called with ``payload``), ``raw`` (Python
    source, honored only with ``allow_raw_invoke``), ``manage`` (Django management
    command line) or ``event`` (a whole event, sent as the provider would send it).
    """

    function: str | None = None
    payload: Any = None
    raw: str | None = None
    manage: str | None = None
    event: Mapping[str, Any] | None = None

    def to_command(self) -> dict[str, Any]:
        """The direct-invocation payload the runtime shims understand."""
        if self.event is not None:
            return dict(self.event)
        if self.raw is not None:
            return {"lw_command": {"raw": self.raw}}
        if self.manage is not None:
            return {"lw_command": {"manage": self.manage}}
        return {"lw_command": {"function": self.function, "payload": self.payload}}


@dataclass(frozen=True)
class InvokeResult:
    result: Any
    logs: str = ""
    error: str | None = None


@dataclass(frozen=True)
class LogQuery:
    since_seconds: int = 3600
    filter: str | None = None
    tail: bool = False
    http: bool | None = None  # None: everything; True: only request lines; False: no request lines


@dataclass(frozen=True)
class RollbackTarget:
    version: str | None = None
    steps: int = 1


@dataclass
class Status:
    """What ``lw status`` shows: a few named facts plus free-form sections."""

    deployed: bool
    facts: dict[str, Any] = field(default_factory=dict)
    sections: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"deployed": self.deployed, **self.facts, **self.sections}
