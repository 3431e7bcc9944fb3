"""Fixtures for the runtime shim tests: real apps, sample events, handlers.

The apps live in ``tests/runtime/apps`` under names prefixed ``rt_`` and are imported as
top-level modules, exactly as a deployed package imports the user's code.
"""

from __future__ import annotations

import copy
import json
import os
import sys
from pathlib import Path
from typing import Any, Callable

import pytest

HERE = Path(__file__).resolve().parent
APPS = HERE / "apps"
EVENTS = HERE / "events"
if str(APPS) not in sys.path:
    sys.path.insert(0, str(APPS))
DJANGO_SETTINGS = "rt_django_site.settings"

FRAMEWORKS = ("flask", "django", "fastapi")


def load_event(name: str) -> dict[str, Any]:
    """A fresh copy of a stored sample event (``aws/s3_put`` or ``openwhisk/web-...``)."""
    return copy.deepcopy(json.loads((EVENTS / f"{name}.json").read_text()))


class FakeContext:
    """The attributes of a Lambda context object that apps and event functions read."""

    function_name = "proj-dev"
    aws_request_id = "req-1"
    memory_limit_in_mb = 512

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


_APPS: dict[str, Any] = {}


def framework_app(name: str) -> Any:
    """The app object for a framework (imported once: Django can be set up only once)."""
    if name == "django":
        # A Django stage always has this set at init; tests that restore os.environ
        # may have removed it since.
        os.environ["DJANGO_SETTINGS_MODULE"] = DJANGO_SETTINGS
    if name not in _APPS:
        if name == "flask":
            from rt_flask_app import app
        elif name == "django":
            from django.core.wsgi import get_wsgi_application

            app = get_wsgi_application()
        else:
            from rt_fastapi_app import app
        _APPS[name] = app
    return _APPS[name]


_HANDLERS: dict[tuple, Any] = {}


@pytest.fixture(scope="session")
def aws_handler() -> Callable[..., Any]:
    """``aws_handler("flask", **options)``: a cached ``make_handler`` per framework and options."""
    from lw.runtime.aws import make_handler

    def get(framework: str, **options: Any) -> Any:
        key = ("aws", framework, json.dumps(options, sort_keys=True, default=str))
        if key not in _HANDLERS:
            _HANDLERS[key] = make_handler(framework_app(framework), log_requests=False, **options)
        return _HANDLERS[key]

    return get


@pytest.fixture(scope="session")
def ow_main() -> Callable[..., Any]:
    from lw.runtime.openwhisk import make_main

    def get(framework: str, **options: Any) -> Any:
        key = ("ow", framework, json.dumps(options, sort_keys=True, default=str))
        if key not in _HANDLERS:
            _HANDLERS[key] = make_main(framework_app(framework), log_requests=False, **options)
        return _HANDLERS[key]

    return get


@pytest.fixture
def context() -> FakeContext:
    return FakeContext()
