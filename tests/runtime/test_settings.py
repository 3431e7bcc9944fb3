"""Deployed entry points: settings file, environment, remote env, secrets, app import."""

from __future__ import annotations

import json
import os

import boto3
import pytest
from moto import mock_aws

import rt_events
from lw.runtime.aws import handler_from_settings
from lw.runtime.openwhisk import main_from_settings
from lw.runtime.settings import SettingsError, resolve, resolve_secret_references

from .helpers import http_event, response_body, response_json


def write_settings(tmp_path, **settings):
    document = {
        "project_name": "shop",
        "stage": "dev",
        "provider": "aws",
        "app_function": None,
        "django_settings": None,
        "events": [],
        "binary_support": True,
        "additional_text_mimetypes": [],
        "exception_handler": None,
        "log_requests": False,
        "allow_raw_invoke": False,
        "environment_variables": {},
        "base_path": None,
        "log_level": "INFO",
        "context_header_mappings": {},
        "remote_env": None,
    }
    document.update(settings)
    path = tmp_path / "lw_settings.json"
    path.write_text(json.dumps(document))
    return str(path)


@pytest.fixture
def clean_env(monkeypatch):
    """Restore os.environ after a test that lets the runtime write into it."""
    saved = dict(os.environ)
    yield monkeypatch
    os.environ.clear()
    os.environ.update(saved)


@pytest.mark.parametrize("dotted", ["rt_flask_app.app", "rt_flask_app:app"])
def test_app_function_forms(tmp_path, dotted):
    handler = handler_from_settings(write_settings(tmp_path, app_function=dotted))
    assert response_body("v1", handler(http_event("v1", path="/hello"), None)) == b"hello"


def test_django_settings_loads_wsgi_application(tmp_path, clean_env):
    handler = handler_from_settings(write_settings(tmp_path, django_settings="rt_django_site.settings"))
    assert response_body("v2", handler(http_event("v2", path="/hello"), None)) == b"hello"


def test_openwhisk_main_from_settings(tmp_path):
    main = main_from_settings(write_settings(tmp_path, app_function="rt_flask_app.app", provider="openwhisk"))
    result = main({"__ow_method": "get", "__ow_path": "/hello", "__ow_query": "", "__ow_body": "", "__ow_headers": {}})
    assert result["statusCode"] == 200 and result["body"] == "hello"


def test_environment_variables_are_set_before_import(tmp_path, clean_env):
    handler = handler_from_settings(
        write_settings(tmp_path, app_function="rt_flask_app.app", environment_variables={"LW_TEST_FLAG": "on"})
    )
    assert os.environ["LW_TEST_FLAG"] == "on"
    assert handler.shim.app is not None


def test_context_header_mappings_and_options(tmp_path):
    handler = handler_from_settings(
        write_settings(
            tmp_path,
            app_function="rt_flask_app.app",
            context_header_mappings={"x-lw-request-id": "requestId", "x-lw-tenant": "authorizer.tenant"},
        )
    )
    from .conftest import load_event

    event = load_event("aws/apigw_v1_authorizer")
    echo = response_json("v1", handler(event, None))
    assert echo["headers"]["x-lw-request-id"] == "id-1234"
    assert echo["headers"]["x-lw-tenant"] == "acme"
    assert echo["authorizer"]["principalId"] == "user|a1b2c3d4"
    assert echo["remote_user"] == "user|a1b2c3d4"
    assert echo["body"] == '{"hello": "world"}'


def test_broken_app_import_is_logged_and_answers_500(tmp_path, capsys):
    handler = handler_from_settings(write_settings(tmp_path, app_function="rt_broken_app.app"))
    err = capsys.readouterr().err
    assert "could not import the app 'rt_broken_app.app'" in err
    assert "Traceback" in err and "missing_dependency" in err
    for shape in ("v1", "v2", "alb"):
        response = handler(http_event(shape), None)
        assert response["statusCode"] == 500
        assert "missing_dependency" not in response["body"]
    assert "failed to import" in capsys.readouterr().err
    # remote commands still work, to investigate the failure
    handler.shim.allow_raw_invoke = True
    assert handler({"lw_command": {"raw": "1 + 1"}}, None)["result"] == 2


def test_missing_settings_file_does_not_crash_the_container(tmp_path, capsys):
    handler = handler_from_settings(str(tmp_path / "nope.json"))
    assert handler(http_event("v1"), None)["statusCode"] == 500
    assert "cannot read settings file" in capsys.readouterr().err


def test_invalid_settings_json(tmp_path, capsys):
    path = tmp_path / "lw_settings.json"
    path.write_text("{not json")
    main = main_from_settings(str(path))
    assert main({"__ow_method": "get", "__ow_headers": {}})["statusCode"] == 500
    assert "not valid JSON" in capsys.readouterr().err


def test_events_from_settings(tmp_path, context):
    rt_events.CALLS.clear()
    handler = handler_from_settings(
        write_settings(
            tmp_path,
            events=[
                {
                    "name": "alerts",
                    "function": "rt_events.record",
                    "kind": "sns",
                    "source": "arn:aws:sns:us-east-1:123456789012:sns-lambda",
                }
            ],
        )
    )
    from .conftest import load_event

    assert handler(load_event("aws/sns"), context) == {"handled": 1}


def test_exception_handler_from_settings(tmp_path):
    rt_events.REPORTED.clear()
    handler = handler_from_settings(
        write_settings(tmp_path, app_function="rt_peer_boom.app", exception_handler="rt_events.report")
    )
    assert handler(http_event("v1"), None)["statusCode"] == 500
    assert [str(e) for e in rt_events.REPORTED] == ["peer boom"]


def test_failing_exception_handler_is_only_logged(tmp_path, capsys):
    handler = handler_from_settings(
        write_settings(tmp_path, app_function="rt_peer_boom.app", exception_handler="rt_events.broken_report")
    )
    assert handler(http_event("v2"), None)["statusCode"] == 500
    assert "exception_handler itself failed" in capsys.readouterr().err


def test_resolve_errors():
    with pytest.raises(SettingsError, match="must name a module"):
        resolve("justamodule")
    with pytest.raises(SettingsError, match="has no attribute"):
        resolve("rt_events.missing")


@pytest.fixture
def aws_credentials(monkeypatch):
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)


@mock_aws
def test_remote_env_from_s3(tmp_path, clean_env, aws_credentials):
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="shop-config")
    s3.put_object(Bucket="shop-config", Key="dev/env.json", Body=json.dumps({"LW_REMOTE_A": "a", "LW_REMOTE_N": 3}))
    handler = handler_from_settings(
        write_settings(tmp_path, app_function="rt_flask_app.app", remote_env="s3://shop-config/dev/env.json")
    )
    assert os.environ["LW_REMOTE_A"] == "a" and os.environ["LW_REMOTE_N"] == "3"
    assert handler.shim.init_error is None


@mock_aws
def test_missing_remote_env_fails_init_clearly(tmp_path, clean_env, aws_credentials, capsys):
    handler = handler_from_settings(
        write_settings(tmp_path, app_function="rt_flask_app.app", remote_env="s3://nobucket/env.json")
    )
    assert "cannot read remote_env s3://nobucket/env.json" in capsys.readouterr().err
    assert handler(http_event("v1"), None)["statusCode"] == 500


@mock_aws
def test_ssm_and_secretsmanager_references(tmp_path, clean_env, aws_credentials):
    boto3.client("ssm").put_parameter(Name="/shop/dev/db", Value="postgres://db", Type="SecureString")
    boto3.client("secretsmanager").create_secret(Name="shop-api-key", SecretString="s3cr3t")
    handler_from_settings(
        write_settings(
            tmp_path,
            app_function="rt_flask_app.app",
            environment_variables={
                "DATABASE_URL": "${ssm:/shop/dev/db}",
                "API_KEY": "key=${secretsmanager:shop-api-key};x",
                "LITERAL": "${HOME} stays",
            },
        )
    )
    assert os.environ["DATABASE_URL"] == "postgres://db"
    assert os.environ["API_KEY"] == "key=s3cr3t;x"
    assert os.environ["LITERAL"] == "${HOME} stays"


@mock_aws
def test_missing_secret_names_the_variable(aws_credentials):
    environ = {"TOKEN": "${ssm:/missing}"}
    with pytest.raises(SettingsError, match=r"environment variable TOKEN: cannot resolve \$\{ssm:/missing\}"):
        resolve_secret_references(environ)


def test_mapped_headers_cannot_be_supplied_by_the_client(tmp_path):
    """A mapping is trusted identity: with no context value, the client's header is dropped."""
    handler = handler_from_settings(
        write_settings(
            tmp_path, app_function="rt_flask_app.app", context_header_mappings={"x-lw-tenant": "authorizer.tenant"}
        )
    )
    event = http_event("v2", path="/echo", headers={"x-lw-tenant": "admin", "host": "example.test"})
    echo = response_json("v2", handler(event, None))
    assert "x-lw-tenant" not in echo["headers"]
