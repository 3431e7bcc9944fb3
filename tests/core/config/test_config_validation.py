"""Validation: every problem at once, did-you-mean, syntax errors, provider blocks."""

from __future__ import annotations

import pytest
from config_helpers import FAKE_PROVIDERS, load, problems_of

from lw.core.errors import ConfigError
from lw.core.provider import SettingSpec


def test_every_problem_is_reported_at_once(write):
    path = write("""\
        dev:
          app_function: app
          memory_size: big
          memroy_size: 1024
          timeout_seconds: true
          architecture: amd64
          runtime: python2.7
          keep_warm_expression: every 5 minutes
          binary_support: "yes"
          exclude: docs/
          environment_variables:
            DEBUG: true
          vpc_config: {SubnetIds: [subnet-1]}
          dead_letter_arn: arn:aws:lambda:us-east-1:123456789012:function:x
          events:
          - function: app.handler
            expression: rate(5 minute)
    """)
    prefix = "lw.yml: stage 'dev': "
    assert problems_of(path) == [
        prefix + "app_function: expected a dotted path to the WSGI/ASGI application such as 'module.name', got 'app'",
        prefix + "memory_size: expected integer, got 'big'",
        prefix + "memroy_size: unknown key (did you mean 'memory_size'?)",
        prefix + "timeout_seconds: expected integer, got true",
        prefix + "architecture: expected one of 'x86_64', 'arm64', got 'amd64' (did you mean 'arm64'?)",
        prefix + "runtime: expected python3.X such as 'python3.11', got 'python2.7'",
        prefix + "keep_warm_expression: expected rate(...) or cron(...), got 'every 5 minutes'",
        prefix + "binary_support: expected boolean, got 'yes'",
        prefix + "exclude: expected list, got 'docs/'",
        prefix + "environment_variables.DEBUG: expected a string, got true (quote it: 'true')",
        prefix + "vpc_config.SecurityGroupIds: expected a non-empty list of strings, got null",
        prefix + "dead_letter_arn: expected an ARN of sns or sqs (arn:aws:sns:...), got "
        "'arn:aws:lambda:us-east-1:123456789012:function:x'",
        prefix + "events[0].expression: expected 'rate(5 minutes)' (singular unit only for 1), got 'rate(5 minute)'",
    ]


def test_config_error_message_counts_problems(write):
    path = write("dev:\n  app_function: app.app\n  memory_size: 1\n  timeout_seconds: 901\n")
    with pytest.raises(ConfigError) as info:
        load(path)
    text = str(info.value)
    assert text.splitlines()[0] == "lw.yml: stage 'dev' has 2 problems"
    assert "  - lw.yml: stage 'dev': memory_size: expected an integer between 128 and 10240, got 1" in text
    assert "  - lw.yml: stage 'dev': timeout_seconds: expected an integer between 1 and 900, got 901" in text


@pytest.mark.parametrize(
    ("key", "suggestion"),
    [
        ("timeout", "timeout_seconds"),
        ("enviroment_variables", "environment_variables"),
        ("keep_warm_expresion", "keep_warm_expression"),
        ("djagno_settings", "django_settings"),
    ],
)
def test_unknown_keys_get_a_suggestion(write, key, suggestion):
    (problem,) = problems_of(write(f"dev:\n  app_function: app.app\n  {key}: {{}}\n"))
    assert problem == f"lw.yml: stage 'dev': {key}: unknown key (did you mean '{suggestion}'?)"


def test_unknown_key_without_a_close_match(write):
    (problem,) = problems_of(write("dev:\n  app_function: app.app\n  zzz: 1\n"))
    assert problem == "lw.yml: stage 'dev': zzz: unknown key"


def test_yaml_syntax_error_is_one_line_with_position(write):
    path = write("dev:\n  app_function: app.app\n  memory_size: [1, 2\n")
    with pytest.raises(ConfigError) as info:
        load(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("lw.yml:4:1: YAML syntax error: ")


def test_yaml_bad_indentation_points_at_the_line(write):
    path = write("dev:\n  app_function: app.app\n memory_size: 3\n")
    with pytest.raises(ConfigError, match=r"^lw.yml:3:\d+: YAML syntax error: "):
        load(path)


def test_json_syntax_error_is_one_line_with_position(write):
    path = write('{"dev": {"app_function": "app.app",}}', "lw.json")
    with pytest.raises(ConfigError, match=r"^lw.json:1:36: JSON syntax error: "):
        load(path)


def test_duplicate_keys_are_refused(write):
    path = write("dev:\n  app_function: app.app\n  memory_size: 1024\n  memory_size: 128\n")
    with pytest.raises(ConfigError, match=r"^lw.yml:4:3: YAML syntax error: duplicate key 'memory_size'$"):
        load(path)


def test_stage_must_be_a_mapping(write):
    with pytest.raises(ConfigError, match=r"stage 'dev': expected a mapping of settings, got 'app.app'"):
        load(write("dev: app.app\n"))


def test_nothing_to_deploy_and_exclusive_app_keys(write):
    assert problems_of(write("dev:\n  memory_size: 1024\n")) == [
        "lw.yml: stage 'dev': app_function: missing: expected app_function or django_settings (or events)"
    ]
    assert problems_of(write("dev:\n  app_function: app.app\n  django_settings: site.settings\n")) == [
        "lw.yml: stage 'dev': django_settings: expected either app_function or django_settings, got both"
    ]


def test_django_project_needs_no_app_function(write):
    app = load(write("dev:\n  django_settings: mysite.settings\n"))
    assert app.django_settings == "mysite.settings" and app.app_function is None


def test_provider_block_is_validated_with_the_provider_keys(write):
    path = write("""\
        dev:
          app_function: app.app
          aws:
            regoin: eu-west-1
            keep_versions: many
            memory_size: huge
            events: []
          openwhisk:
            apihost: https://ow.example.com
            insecure: 1
          local: [port]
    """)
    assert problems_of(path) == [
        "lw.yml: stage 'dev': aws.regoin: unknown aws setting (did you mean 'region'?)",
        "lw.yml: stage 'dev': aws.keep_versions: expected integer, got 'many'",
        "lw.yml: stage 'dev': aws.memory_size: expected integer, got 'huge'",
        "lw.yml: stage 'dev': aws.events: set it at the stage's top level, not in the aws block "
        "(scope an event to aws with 'providers: [aws]')",
        "lw.yml: stage 'dev': openwhisk.insecure: expected boolean, got 1",
        "lw.yml: stage 'dev': local: expected a mapping of local settings, got a list",
    ]


def test_block_of_a_builtin_or_the_stages_provider_not_installed_is_accepted(write):
    path = write("dev:\n  app_function: app.app\n  openwhisk:\n    anything: 1\n")
    assert load(path, providers=[FAKE_PROVIDERS[0]]).settings["openwhisk"] == {"anything": 1}
    path = write("dev:\n  app_function: app.app\n  gcp:\n    project: x\n")
    assert load(path, provider="gcp").settings["gcp"] == {"project": "x"}


def test_a_block_nothing_installed_declares_is_refused(write):
    path = write(
        "dev:\n  app_function: app.app\n  gcp:\n    project: x\n  zzz_unknown: {subnets: [a]}\n"
        "  vpc_confg: {SubnetIds: [a]}\n  ca_bundle: {x: 1}\n"
    )
    assert problems_of(path) == [
        "lw.yml: stage 'dev': gcp: unknown key: no installed provider or plugin declares a 'gcp' block "
        "(install the one that uses it, or remove the block)",
        "lw.yml: stage 'dev': zzz_unknown: unknown key: no installed provider or plugin declares a "
        "'zzz_unknown' block (install the one that uses it, or remove the block)",
        "lw.yml: stage 'dev': vpc_confg: unknown key (did you mean 'vpc_config'?)",
        "lw.yml: stage 'dev': ca_bundle: unknown key: no installed provider or plugin declares a 'ca_bundle' "
        "block (install the one that uses it, or remove the block)",
    ]


def test_a_mapping_close_to_a_known_key_is_a_typo_not_a_block(write):
    (problem,) = problems_of(write("dev:\n  app_function: app.app\n  enviroment_variables: {A: b}\n"))
    assert "(did you mean 'environment_variables'?)" in problem


def test_provider_top_level_settings_and_plugin_settings(write):
    path = write("dev:\n  app_function: app.app\n  aws_only_flag: 3\n  sentry_dsn: 5\n")
    extra = [SettingSpec("sentry_dsn", (str,), None, "DSN of a cross-cutting plugin")]
    assert problems_of(path, extra_settings=extra) == [
        "lw.yml: stage 'dev': aws_only_flag: expected boolean, got 3",
        "lw.yml: stage 'dev': sentry_dsn: expected string, got 5",
    ]
    ok = write("dev:\n  app_function: app.app\n  aws_only_flag: true\n  sentry_dsn: https://x@sentry\n")
    app = load(ok, extra_settings=extra)
    assert app.settings["aws_only_flag"] is True and app.settings["sentry_dsn"] == "https://x@sentry"


def test_a_plugin_cannot_redefine_a_core_key(write):
    extra = [SettingSpec("memory_size", (str,), "lots")]
    assert load(write("dev:\n  app_function: app.app\n"), extra_settings=extra).memory_size == 512


def test_choices_and_aliases(write):
    app = load(write("dev:\n  app_function: app.app\n  apigateway: false\n  log_level: debug\n"))
    assert app.settings["apigateway"] is False
    assert app.log_level == "DEBUG"
    (problem,) = problems_of(write("dev:\n  app_function: app.app\n  apigateway: htpp\n"))
    assert problem == (
        "lw.yml: stage 'dev': apigateway: expected one of 'rest', 'http', false, true, "
        "got 'htpp' (did you mean 'http'?)"
    )


def test_stage_name_must_fit_resource_names(write):
    (problem,) = problems_of(write("dev stage:\n  app_function: app.app\n"))
    assert problem == (
        "lw.yml: stage 'dev stage': stage name: expected letters, digits, '-' or '_', at most 20 characters"
    )


def test_every_bad_entry_of_a_mapping_or_list_is_named(write):
    path = write("""\
        dev:
          app_function: app.app
          environment_variables: {GOOD: x, BAD-NAME: y, FLAG: false, NESTED: {a: 1}}
          tags: {team: [a]}
          layers: [arn:aws:lambda:us-east-1:123456789012:layer:x:1, 3]
          extra_permissions: [{Effect: Allow, Action: s3:GetObject, Resource: "*"}, {Effect: Allow}]
          cors: {allowed_origin: "*", alowed_headers: [x]}
    """)
    p = "lw.yml: stage 'dev': "
    assert problems_of(path) == [
        p + "environment_variables.BAD-NAME: expected a variable name made of letters, digits and _, got 'BAD-NAME'",
        p + "environment_variables.FLAG: expected a string, got false (quote it: 'false')",
        p + "environment_variables.NESTED: expected a string, got a mapping",
        p + "tags.team: expected a string, got a list",
        p + "layers[1]: expected a string, got 3",
        p + "extra_permissions[1]: expected an IAM statement mapping with Effect, Action and Resource",
        p + "cors.alowed_headers: unknown key (did you mean 'allowed_headers'?); expected some of allowed_origin, "
        "allowed_headers, allowed_methods, allow_credentials, max_age, expose_headers",
    ]


def test_interpolated_values_in_text_mappings_stay_text(write, monkeypatch):
    monkeypatch.setenv("LW_TEST_VERSION", "1.10")
    app = load(
        write(
            "dev:\n  app_function: app.app\n  environment_variables: {V: '${env:LW_TEST_VERSION}'}\n"
            "  tags: {version: '${env:LW_TEST_VERSION}'}\n"
        )
    )
    assert app.environment_variables == {"V": "1.10"}
    assert app.tags["version"] == "1.10"


def test_self_referencing_yaml_alias_is_refused(write):
    with pytest.raises(ConfigError, match="a YAML alias"):
        load(write("dev:\n  app_function: app.app\n  layers: &a [*a]\n"))


def test_shared_yaml_anchors_are_fine(write):
    app = load(write("dev:\n  app_function: app.app\n  tags: &t {team: web}\n  aws:\n    tags: *t\n"))
    assert app.setting("tags") == {"team": "web"}


def test_absurd_nesting_is_refused(write):
    deep = "[" * 200 + "]" * 200
    with pytest.raises(ConfigError, match="nested more than 64 levels deep"):
        load(write('{"dev": {"app_function": "app.app", "layers": ' + deep + "}}", "lw.json"))


def test_image_settings_are_checked(write):
    """package_type, image_registry and base_image (docs/images.md): each problem names
    the key and says what was expected."""
    path = write(
        """
        dev:
          app_function: app.app
          package_type: docker
          image_registry: https://registry.example.com/team
          base_image: public.ecr.aws/Lambda/python:3.11
        """
    )
    found = problems_of(path)
    assert any("package_type" in p and "expected one of 'zip', 'image'" in p for p in found)
    assert any("image_registry" in p and "without a scheme" in p for p in found)
    assert any("base_image" in p and "is not a repository name" in p for p in found)


def test_image_settings_load(write):
    path = write(
        """
        dev:
          app_function: app.app
          package_type: image
          image_registry: 127.0.0.1:5000/team
          base_image: public.ecr.aws/lambda/python:3.11
        """
    )
    app = load(path)
    assert (app.setting("package_type"), app.setting("image_registry")) == ("image", "127.0.0.1:5000/team")
