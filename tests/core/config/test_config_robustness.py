"""Whatever a config file holds, loading it ends in a model or an LwError, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

from config_helpers import FAKE_PROVIDERS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lw.core.config import load_app
from lw.core.errors import LwError
from lw.core.settings_schema import CORE_SETTINGS

KEYS = [spec.name for spec in CORE_SETTINGS] + [
    "aws",
    "openwhisk",
    "local",
    "gcp",
    "function",
    "event_source",
    "arn",
    "expression",
    "trigger",
    "feed",
    "providers",
    "name",
]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 20000),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(
        [
            "app.app",
            "rate(5 minutes)",
            "cron(0 1 * * ? *)",
            "arn:aws:s3:::b",
            "${env:HOME}",
            "${env:LW_NOPE}",
            "${env:}",
            "dev",
            "aws",
            "s3:ObjectCreated:*",
            "python3.11",
        ]
    ),
    st.text(max_size=12),
)
values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=8)), children, max_size=5),
    ),
    max_leaves=25,
)
stages = st.dictionaries(
    st.sampled_from(["dev", "prod", "base"]),
    st.one_of(values, st.dictionaries(st.sampled_from(KEYS), values, max_size=8)),
    min_size=1,
    max_size=3,
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(document=stages, stage=st.sampled_from([None, "dev", "prod"]), provider=st.sampled_from([None, "aws", "x"]))
def test_any_document_loads_or_fails_cleanly(tmp_path: Path, document, stage, provider):
    path = tmp_path / "lw.json"
    path.write_text(json.dumps(document))
    try:
        app = load_app(path, stage=stage, provider=provider, providers=FAKE_PROVIDERS)
    except LwError as error:
        assert str(error)
        assert error.exit_code == 2
    else:
        assert app.stage in document


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet=st.sampled_from(list("dev:prod- \n\t[]{}&*!|>'\"#%@`,?app.$")), max_size=60))
def test_any_yaml_text_loads_or_fails_cleanly(tmp_path: Path, text):
    path = tmp_path / "lw.yml"
    path.write_text(text)
    try:
        load_app(path, stage=None, provider=None, providers=FAKE_PROVIDERS)
    except LwError as error:
        assert error.exit_code == 2
