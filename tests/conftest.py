"""Markers every test gets from what it uses, so that ``pytest -m "not slow"`` (or
``not moto``, ``not subprocess``) is the quick loop while writing code.

- ``moto``: the test uses the session's moto server (the ``moto_endpoint`` fixture).
- ``subprocess``: it runs lw, pip, git or a worker as a separate process (the local
  provider's ``lw_env``/``deployment_of`` fixtures, the installed example plugin, or a
  module listed in ``SUBPROCESS_MODULES``).
- ``slow``: it takes seconds (measured with ``--durations``): it makes a whole local
  deployment of its own or runs deployed code in a Lambda runtime worker
  (``SLOW_FIXTURES``), or it is listed in ``SLOW`` by path or node id, or carries
  ``@pytest.mark.slow`` in the test file. The local provider's pure units (framing,
  gateway events, schedules, plans) are not slow and stay in the quick loop.

The whole suite still runs in CI; the markers only let a contributor choose.

Every test process also reads each of botocore's JSON model files once (see
``_share_botocore_models``): lw opens a fresh boto3 session per command, as it must,
and parsing the same models again for every command of every test was a large part of
the AWS tests' CPU time.
"""

from __future__ import annotations

import pytest

MOTO_FIXTURES = frozenset({"moto_endpoint"})
SUBPROCESS_FIXTURES = frozenset({"lw_env", "deployment_of", "plugin_path"})
# A whole local deployment per test, or deployed code run by a Lambda runtime worker.
SLOW_FIXTURES = frozenset({"deployment_of", "lambda_runs_code"})
# Test modules whose tests start processes directly (subprocess.run of lw, pip or git).
SUBPROCESS_MODULES = frozenset(
    {
        "tests/test_readme.py",
        "tests/core/test_third_party_provider.py",
        "tests/core/config/test_config_docs.py",
        "tests/core/packaging/test_packaging_gitignore_vs_git.py",
        "tests/providers/aws/test_cli_flask_hello.py",
        "tests/providers/openwhisk/test_ow_cli.py",
        "tests/runtime/test_entry.py",
        "tests/runtime/test_imports.py",
    }
)
# Whole modules or single tests that take seconds each on a 2-core machine.
SLOW = frozenset(
    {
        "tests/test_readme.py",
        "tests/core/test_third_party_provider.py",
        "tests/providers/aws/test_cli_flask_hello.py",
        "tests/providers/aws/test_snapstart.py::test_snap_start_is_requested_on_published_versions",
        "tests/providers/aws/test_template.py::test_cloudformation_template_lints_uploads_once_and_deploys_into_moto",
        "tests/providers/local/test_local_lifecycle.py",
        "tests/providers/local/test_local_pool.py",
        "tests/providers/local/test_local_sandbox.py",
        "tests/examples",
    }
)


def _share_botocore_models() -> None:
    """Parse each botocore data file (service models, endpoints, paginators...) once per
    test process instead of once per ``boto3.Session``.

    botocore already shares one parsed model between all clients of a session; this
    extends the sharing to every session of the process, so lw's code still creates its
    own session per command, with the same models, without the ~0.2 s of CPU that
    re-reading them costs each time. The only in-place change botocore makes to a loaded
    model is merging its ``*-extras`` files, which is idempotent."""
    try:
        from botocore.loaders import JSONFileLoader
    except ImportError:  # botocore is a dependency of lw, but keep the hook harmless
        return
    original = JSONFileLoader.load_file
    if getattr(original, "shared_by_tests", False):
        return
    parsed: dict[str, object] = {}

    def load_file(self: JSONFileLoader, file_path: str) -> object:
        if file_path not in parsed:
            parsed[file_path] = original(self, file_path)
        return parsed[file_path]

    load_file.shared_by_tests = True  # type: ignore[attr-defined]
    JSONFileLoader.load_file = load_file  # type: ignore[method-assign]


def pytest_configure(config: pytest.Config) -> None:
    _share_botocore_models()


def _path_of(item: pytest.Item) -> str:
    return item.nodeid.split("::")[0]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        path = _path_of(item)
        if fixtures & MOTO_FIXTURES:
            item.add_marker(pytest.mark.moto)
        if fixtures & SUBPROCESS_FIXTURES or path in SUBPROCESS_MODULES:
            item.add_marker(pytest.mark.subprocess)
        test = item.nodeid.split("[")[0]  # every parameter set of a listed test
        listed = any(test == slow or path == slow or path.startswith(slow + "/") for slow in SLOW)
        if listed or fixtures & SLOW_FIXTURES:
            item.add_marker(pytest.mark.slow)
