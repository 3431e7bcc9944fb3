"""``lw template`` through the real CLI against moto: lint, deploy into CloudFormation,
and no drift from what ``lw deploy`` plans and creates."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from cli_helpers import FLASK_HELLO, copy_project, leftovers, lw_json, lw_run

from lw.providers.aws.function import comparable

NAME = "flask-hello-dev"
ACCOUNT = "123456789012"
# moto's CloudFormation silently skips these types (moto.md §9.10) and ignores a
# RestApi's Body, so a Deployment of it fails ("no methods"): they are left out of
# the moto deployment, together with whatever depends on them.
MOTO_SKIPPED = {
    "AWS::Lambda::Alias",
    "AWS::Lambda::Url",
    "AWS::ApiGateway::Stage",
    "AWS::ApiGateway::Deployment",
    "AWS::ApiGatewayV2::Api",
    "AWS::ApiGatewayV2::Integration",
    "AWS::ApiGatewayV2::Route",
    "AWS::ApiGatewayV2::Stage",
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """examples/flask-hello packaged once (warm build cache for every test's copy)."""
    cache = tmp_path_factory.mktemp("lw-cache")
    source = copy_project(FLASK_HELLO, tmp_path_factory.mktemp("src") / "flask-hello")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LW_CACHE_DIR", str(cache))
        assert lw_run(source, "package").exit_code == 0
    return source, cache


@pytest.fixture
def project(aws_env: str, built: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    source, cache = built
    monkeypatch.setenv("LW_CACHE_DIR", str(cache))
    monkeypatch.setenv("CI", "1")
    return copy_project(source, tmp_path / "flask-hello", keep_build_cache=True)


def _configure(project: Path, **settings: Any) -> None:
    config = yaml.safe_load((project / "lw.yml").read_text())
    config["dev"].update(settings)
    (project / "lw.yml").write_text(yaml.safe_dump(config))


def _event_sources() -> list[dict[str, Any]]:
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName="jobs")["QueueUrl"]
    queue = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    topic = boto3.client("sns").create_topic(Name="news")["TopicArn"]
    return [
        {"function": "app.on_job", "event_source": {"arn": queue, "batch_size": 5}},
        {"function": "app.on_news", "event_source": {"arn": topic, "filters": {"kind": ["breaking"]}}},
        {"function": "app.tick", "expression": "rate(1 hour)"},
    ]


TASK_RESOURCE = f"{NAME}-tasks"


def _task_targets(case: str) -> dict[str, Any]:
    """lw.yml settings for one shape of lw.tasks, and what the user made beforehand."""
    if case == "lambda":  # the default source: the role may invoke its own alias
        sqs = boto3.client("sqs")
        url = sqs.create_queue(QueueName="failed-tasks")["QueueUrl"]
        queue = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return {"async_response_table": True, "async_failure_destination": queue}
    topic = boto3.client("sns").create_topic(Name="failed-tasks")["TopicArn"]
    settings = {"async_source": "sns", "async_response_table": True, "async_failure_destination": topic}
    if case == "sns":
        return settings
    # async_resources: false: the table and topic are the user's, lw only wires them
    boto3.client("sns").create_topic(Name=TASK_RESOURCE)
    boto3.client("dynamodb").create_table(
        TableName=TASK_RESOURCE,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return {**settings, "async_resources": False}


def _arn_of(value: Any) -> str:
    """The topic ARN a template names, literally or as a Ref to its own topic."""
    return f"arn:aws:sns:us-east-1:{ACCOUNT}:{TASK_RESOURCE}" if isinstance(value, dict) else str(value)


def _template(project: Path, *args: str, name: str = "template.yaml") -> dict[str, Any]:
    """Written next to the project, not in it: a file in the project is packaged."""
    out = project.parent / name
    result = lw_run(project, "template", "-o", str(out), *args)
    assert result.exit_code == 0, result.stderr
    assert f"wrote {out}" in result.stdout
    return dict(yaml.safe_load(out.read_text()))


def _lint(template: dict[str, Any]) -> list[str]:
    """cfn-lint errors and warnings (informational matches are style advice). The
    runtime-deprecation rules (E2533, W2531) are left out: they judge the date against
    the runtime this machine's Python maps to, which says nothing about lw's template
    and changes with each cfn-lint release (the minimum-versions leg gets an older one)."""
    from cfnlint.api import lint

    matches = lint(json.dumps(template), regions=[template["Metadata"]["lw"]["region"]])
    return [str(m) for m in matches if m.rule.id[0] in "EW" and m.rule.id not in _DATED_RULES]


_DATED_RULES = ("E2533", "W2531")


def _of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v["Properties"] for k, v in template["Resources"].items() if v["Type"] == kind}


def _for_moto(template: dict[str, Any]) -> dict[str, Any]:
    """The template minus what moto cannot create, and what depends on that."""
    resources = dict(template["Resources"])
    dropped = {k for k, v in resources.items() if v["Type"] in MOTO_SKIPPED}
    changed = True
    while changed:
        changed = False
        for key, value in resources.items():
            if key not in dropped and set(value.get("DependsOn") or []) & dropped:
                dropped.add(key)
                changed = True
    kept = {k: v for k, v in resources.items() if k not in dropped}
    outputs = {k: v for k, v in template["Outputs"].items() if not (set(json.dumps(v).split('"')) & dropped)}
    return {**template, "Resources": kept, "Outputs": outputs}


def test_cloudformation_template_lints_uploads_once_and_deploys_into_moto(project: Path, call_counter: Any) -> None:
    _configure(project, events=_event_sources(), **_task_targets("sns"))
    call_counter.clear()
    template = _template(project, "--s3-bucket", "lw-packages")
    assert _lint(template) == []
    # The upload is the only write: a bucket (tagged) and the package under its hash.
    assert call_counter.mutating == [("s3", "CreateBucket"), ("s3", "PutBucketTagging"), ("s3", "PutObject")]
    code = _of_type(template, "AWS::Lambda::Function")["Function"]["Code"]
    assert code["S3Bucket"] == "lw-packages" and code["S3Key"].startswith(f"lw/{NAME}/")
    assert code["S3Key"].endswith(template["Metadata"]["lw"]["package_sha256"] + ".zip")

    call_counter.clear()
    again = _template(project, "--s3-bucket", "lw-packages")
    assert call_counter.mutating == []  # same package: nothing uploaded twice
    assert again == template

    stack = _for_moto(template)
    cfn = boto3.client("cloudformation")
    cfn.create_stack(StackName=NAME, TemplateBody=json.dumps(stack), Capabilities=["CAPABILITY_NAMED_IAM"])
    assert cfn.describe_stacks(StackName=NAME)["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"

    lam = boto3.client("lambda")
    function = lam.get_function(FunctionName=NAME)
    assert function["Configuration"]["Handler"] == "lw_handler.handler"
    assert function["Configuration"]["MemorySize"] == 256
    # moto's CloudFormation drops a function's Tags: check what the template asks for.
    assert {"Key": "lw:stage", "Value": "dev"} in _of_type(template, "AWS::Lambda::Function")["Function"]["Tags"]
    iam = boto3.client("iam")
    tags = iam.list_role_tags(RoleName=NAME)["Tags"]
    assert {t["Key"]: t["Value"] for t in tags} == {"lw:project": "flask-hello", "lw:stage": "dev"}
    policy = iam.get_role_policy(RoleName=NAME, PolicyName="lw-execution")["PolicyDocument"]
    if isinstance(policy, str):  # moto's CloudFormation stores the document's Python repr
        policy = ast.literal_eval(policy)
    assert policy == _of_type(template, "AWS::IAM::Role")["ExecutionRole"]["Policies"][0]["PolicyDocument"]
    events = boto3.client("events")
    rules = {r["Name"]: r for r in events.list_rules(NamePrefix=f"{NAME}-")["Rules"]}
    assert set(rules) == {p["Name"] for p in _of_type(template, "AWS::Events::Rule").values()}
    assert f"{NAME}-keep-warm" in rules and rules[f"{NAME}-keep-warm"]["ScheduleExpression"] == "rate(4 minutes)"
    target = events.list_targets_by_rule(Rule=f"{NAME}-keep-warm")["Targets"][0]
    assert target["Arn"] == f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{NAME}:live"
    assert '"lw_binding": "keep-warm"' in target["InputTransformer"]["InputTemplate"]
    tags = events.list_tags_for_resource(ResourceARN=rules[f"{NAME}-keep-warm"]["Arn"])["Tags"]
    assert {"Key": "lw:stage", "Value": "dev"} in tags
    apis = boto3.client("apigateway").get_rest_apis()["items"]
    assert [a["name"] for a in apis] == [NAME]
    table = boto3.client("dynamodb").describe_table(TableName=f"{NAME}-tasks")["Table"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert f"arn:aws:sns:us-east-1:{ACCOUNT}:{NAME}-tasks" in [
        t["TopicArn"] for t in boto3.client("sns").list_topics()["Topics"]
    ]


def test_template_has_no_drift_from_deploy(project: Path) -> None:
    """Same names as the dry-run plan; same role policy, function configuration and
    rules as what deploy then creates."""
    _configure(project, events=_event_sources())
    planned = lw_json(project, "deploy", "--dry-run")
    planned_resources = " ".join(c["resource"] for c in planned["plan"]["changes"])
    template = _template(project, "--s3-bucket", "lw-packages")
    function = _of_type(template, "AWS::Lambda::Function")["Function"]
    role = _of_type(template, "AWS::IAM::Role")["ExecutionRole"]
    rules = [p["Name"] for p in _of_type(template, "AWS::Events::Rule").values()]
    for name in [
        f"Lambda function {function['FunctionName']}",
        f"IAM role {role['RoleName']}",
        f"REST API {_of_type(template, 'AWS::ApiGateway::RestApi')['RestApi']['Name']}",
        *(f"eventbridge rule {r} " for r in rules),
    ]:
        assert name in planned_resources

    assert lw_run(project, "deploy").exit_code == 0
    iam = boto3.client("iam")
    deployed_policy = iam.get_role_policy(RoleName=role["RoleName"], PolicyName="lw-execution")["PolicyDocument"]
    assert role["Policies"][0]["PolicyDocument"] == deployed_policy
    trust = iam.get_role(RoleName=role["RoleName"])["Role"]["AssumeRolePolicyDocument"]
    assert role["AssumeRolePolicyDocument"] == trust
    live = boto3.client("lambda").get_function_configuration(FunctionName=NAME, Qualifier="live")
    wanted = {**function, "Role": live["Role"]}
    assert comparable(wanted) == comparable(live)
    rest = _of_type(template, "AWS::ApiGateway::RestApi")["RestApi"]
    deployed_api = boto3.client("apigateway").get_rest_apis()["items"][0]
    assert rest["Description"] == deployed_api["description"]  # same OpenAPI document hash
    events = boto3.client("events")
    assert sorted(rules) == sorted(r["Name"] for r in events.list_rules(NamePrefix=f"{NAME}-")["Rules"])
    for props in _of_type(template, "AWS::Events::Rule").values():
        assert events.list_targets_by_rule(Rule=props["Name"])["Targets"] == props["Targets"]
    mapping = boto3.client("lambda").list_event_source_mappings(
        FunctionName=f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{NAME}:live"
    )["EventSourceMappings"][0]
    exported = next(iter(_of_type(template, "AWS::Lambda::EventSourceMapping").values()))
    assert (mapping["EventSourceArn"], mapping["BatchSize"]) == (exported["EventSourceArn"], exported["BatchSize"])


def test_sam_template_with_local_code_lints_and_makes_no_write(project: Path, call_counter: Any) -> None:
    _configure(project, events=_event_sources(), apigateway="http", function_url=True, provisioned_concurrency=2)
    call_counter.clear()
    template = _template(project, "--format", "sam", "--no-upload", name="out/template.yaml")
    assert call_counter.mutating == []
    assert _lint(template) == []
    assert template["Transform"] == "AWS::Serverless-2016-10-31"
    function = _of_type(template, "AWS::Serverless::Function")["Function"]
    assert (project.parent / "out" / function["CodeUri"]).is_file()
    assert function["AutoPublishAlias"] == "live" and function["FunctionName"] == NAME
    assert function["FunctionUrlConfig"] == {"AuthType": "NONE"}
    assert function["ProvisionedConcurrencyConfig"] == {"ProvisionedConcurrentExecutions": 2}
    kinds = sorted(e["Type"] for e in function["Events"].values())
    assert kinds == ["SNS", "SQS"]
    sns = next(e for e in function["Events"].values() if e["Type"] == "SNS")
    assert sns["Properties"]["FilterPolicy"] == {"kind": ["breaking"]}
    http = _of_type(template, "AWS::ApiGatewayV2::Api")["HttpApi"]
    assert http["Name"] == NAME and http["Tags"]["lw:stage"] == "dev"
    assert (
        _of_type(template, "AWS::ApiGatewayV2::Integration")["HttpApiIntegration"]["IntegrationUri"]
        == f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{NAME}:live"
    )
    assert not _of_type(template, "AWS::ApiGateway::RestApi") and not _of_type(template, "AWS::Serverless::Api")


def test_cloudformation_http_api_and_function_url_lint(project: Path) -> None:
    _configure(project, apigateway="http", function_url=True, reserved_concurrency=5)
    template = _template(project, name="template.json")  # .json: JSON output
    assert _lint(template) == []
    url = _of_type(template, "AWS::Lambda::Url")["FunctionUrl"]
    assert url["Qualifier"] == "live" and url["AuthType"] == "NONE"
    grants = _of_type(template, "AWS::Lambda::Permission")
    assert {g.get("FunctionUrlAuthType") for g in grants.values()} >= {"NONE"}
    assert any(g.get("InvokedViaFunctionUrl") for g in grants.values())
    assert _of_type(template, "AWS::Lambda::Function")["Function"]["ReservedConcurrentExecutions"] == 5
    assert _of_type(template, "AWS::ApiGatewayV2::Stage")["HttpApiStage"]["AutoDeploy"] is True


def test_sam_rest_api_carries_the_deploy_openapi_body(project: Path) -> None:
    template = _template(project, "--format", "sam")
    assert _lint(template) == []
    api = _of_type(template, "AWS::Serverless::Api")["RestApi"]
    assert api["StageName"] == "dev" and "/{proxy+}" in api["DefinitionBody"]["paths"]
    code = _of_type(template, "AWS::Serverless::Function")["Function"]["CodeUri"]
    assert code["Bucket"] == f"{NAME}-lw-{ACCOUNT}"  # deploy's default bucket


def test_s3_events_are_noted_not_exported(project: Path) -> None:
    boto3.client("s3").create_bucket(Bucket="uploads")
    _configure(
        project,
        events=[
            {
                "function": "app.on_upload",
                "event_source": {"arn": "arn:aws:s3:::uploads", "events": ["s3:ObjectCreated:*"]},
            }
        ],
        keep_warm=False,
    )
    out = project.parent / "t.yaml"
    result = lw_run(project, "template", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert "S3 notification on arn:aws:s3:::uploads is not exported" in result.stderr
    template = yaml.safe_load(out.read_text())
    assert template["Metadata"]["lw"]["not_exported"] and not _of_type(template, "AWS::Lambda::Permission").keys() - {
        "RestApiPermission"
    }
    assert not _of_type(template, "AWS::Events::Rule")


def test_undeploy_removes_the_uploaded_package(project: Path) -> None:
    _template(project)
    assert any(item.startswith("bucket ") for item in leftovers(NAME, "flask-hello", "dev"))
    result = lw_run(project, "undeploy", "--yes")
    assert result.exit_code == 0, result.stderr
    assert leftovers(NAME, "flask-hello", "dev") == []


def test_no_upload_needs_sam_and_stdout_output(project: Path, call_counter: Any) -> None:
    refused = lw_run(project, "template", "--no-upload")
    assert refused.exit_code == 2 and "--no-upload needs --format sam" in refused.stderr
    printed = lw_run(project, "template", "--format", "sam", "--no-upload")
    assert printed.exit_code == 0, printed.stderr
    assert yaml.safe_load(printed.stdout)["Resources"]["Function"]["Type"] == "AWS::Serverless::Function"
    data = lw_json(project, "template", "--format", "sam", "--no-upload")
    assert data["template"]["Transform"] == "AWS::Serverless-2016-10-31" and data["notes"] == []
    assert call_counter.mutating == []


@pytest.mark.parametrize("fmt", ["cloudformation", "sam"])
def test_rest_api_key_usage_plan_and_cors_are_exported(project: Path, fmt: str) -> None:
    _configure(
        project,
        api_key_required=True,
        cors=True,
        usage_plan={"throttle": {"rate": 10, "burst": 20}, "quota": {"limit": 1000, "period": "DAY"}},
    )
    template = _template(project, "--format", fmt)
    assert _lint(template) == []
    body = template["Resources"]["RestApi"]["Properties"]["Body" if fmt == "cloudformation" else "DefinitionBody"]
    assert "lw_api_key" in body["components"]["securitySchemes"]
    assert "options" in body["paths"]["/{proxy+}"]  # preflight answered by API Gateway
    usage = _of_type(template, "AWS::ApiGateway::UsagePlan")["UsagePlan"]
    assert usage["Throttle"] == {"RateLimit": 10.0, "BurstLimit": 20}
    assert usage["Quota"] == {"Limit": 1000, "Period": "DAY"}
    assert _of_type(template, "AWS::ApiGateway::UsagePlanKey")["UsagePlanKey"]["KeyType"] == "API_KEY"


def test_http_api_jwt_authorizer_and_cors_are_exported(project: Path) -> None:
    _configure(
        project,
        apigateway="http",
        cors={"allowed_origin": ["https://example.com"]},
        function_url=True,
        jwt_authorizer={"issuer": "https://issuer.example.com", "audience": ["my-app"]},
    )
    template = _template(project)
    assert _lint(template) == []
    route = _of_type(template, "AWS::ApiGatewayV2::Route")["HttpApiRoute"]
    assert route["AuthorizationType"] == "JWT" and route["AuthorizerId"] == {"Ref": "HttpApiAuthorizer"}
    preflights = {
        r["RouteKey"]: r
        for r in _of_type(template, "AWS::ApiGatewayV2::Route").values()
        if r["RouteKey"].startswith("OPTIONS")
    }
    assert sorted(preflights) == ["OPTIONS /", "OPTIONS /{proxy+}"]  # CORS + authorizer: preflights stay open
    assert all(r["AuthorizationType"] == "NONE" for r in preflights.values())
    authorizer = _of_type(template, "AWS::ApiGatewayV2::Authorizer")["HttpApiAuthorizer"]
    assert authorizer["JwtConfiguration"] == {"Issuer": "https://issuer.example.com", "Audience": ["my-app"]}
    assert _of_type(template, "AWS::ApiGatewayV2::Api")["HttpApi"]["CorsConfiguration"]["AllowOrigins"] == [
        "https://example.com"
    ]
    assert _of_type(template, "AWS::Lambda::Url")["FunctionUrl"]["Cors"]["AllowOrigins"] == ["https://example.com"]


def test_dependency_layer_is_exported_as_a_layer_version(project: Path, call_counter: Any) -> None:
    _configure(project, dependency_layer=True)
    call_counter.clear()
    template = _template(project)
    assert _lint(template) == []
    puts = [op for op in call_counter.mutating if op == ("s3", "PutObject")]
    assert len(puts) == 2  # the code and the dependencies, each under its hash
    layer = _of_type(template, "AWS::Lambda::LayerVersion")["DependencyLayer"]
    assert layer["LayerName"] == f"{NAME}-deps" and layer["Description"].startswith("lw dependencies sha256:")
    assert _of_type(template, "AWS::Lambda::Function")["Function"]["Layers"] == [{"Ref": "DependencyLayer"}]
    sam = _template(project, "--format", "sam", "--no-upload", name="sam.yaml")
    assert _lint(sam) == []
    assert (project.parent / sam["Resources"]["DependencyLayer"]["Properties"]["ContentUri"]).is_file()


def test_global_stage_is_exported_one_region_at_a_time(project: Path) -> None:
    _configure(project, regions=["us-east-1", "eu-west-1"])
    out = project.parent / "eu.yaml"
    result = lw_run(project, "template", "--region", "eu-west-1", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert "this template is for one region (eu-west-1)" in result.stderr
    template = yaml.safe_load(out.read_text())
    assert template["Metadata"]["lw"]["region"] == "eu-west-1"
    assert _lint(template) == []
    logs = _of_type(template, "AWS::IAM::Role")["ExecutionRole"]["Policies"][0]["PolicyDocument"]["Statement"][0]
    assert logs["Resource"][0].startswith("arn:aws:logs:*:")  # the shared role's policy, as deploy writes it
    permission = _of_type(template, "AWS::Lambda::Permission")["RestApiPermission"]
    assert permission["FunctionName"] == f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:{NAME}:live"


@pytest.mark.parametrize("fmt", ["cloudformation", "sam"])
def test_alb_is_exported_with_its_grant_target_and_listener(project: Path, fmt: str) -> None:
    cert = f"arn:aws:acm:us-east-1:{ACCOUNT}:certificate/0a1b2c3d-1111-2222-3333-444455556666"
    _configure(
        project,
        apigateway=False,
        alb={
            "subnets": ["subnet-0a1b2c3d", "subnet-4e5f6a7b"],
            "security_groups": ["sg-0123abcd"],
            "certificate_arn": cert,
        },
    )
    template = _template(project, "--format", fmt)
    assert _lint(template) == []
    group = _of_type(template, "AWS::ElasticLoadBalancingV2::TargetGroup")["AlbTargetGroup"]
    alias = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{NAME}:live"
    assert group["TargetType"] == "lambda" and group["Targets"] == [{"Id": alias}]
    assert group["TargetGroupAttributes"] == [{"Key": "lambda.multi_value_headers.enabled", "Value": "true"}]
    assert "AlbPermission" in template["Resources"]["AlbTargetGroup"]["DependsOn"]
    grant = _of_type(template, "AWS::Lambda::Permission")["AlbPermission"]
    assert grant["Principal"] == "elasticloadbalancing.amazonaws.com"
    assert grant["SourceArn"]["Fn::Sub"].endswith(f":targetgroup/{NAME}/*")
    listener = _of_type(template, "AWS::ElasticLoadBalancingV2::Listener")["AlbListener"]
    assert (listener["Protocol"], listener["Port"], listener["Certificates"]) == (
        "HTTPS",
        443,
        [{"CertificateArn": cert}],
    )
    balancer = _of_type(template, "AWS::ElasticLoadBalancingV2::LoadBalancer")["AlbLoadBalancer"]
    assert balancer["Subnets"] == ["subnet-0a1b2c3d", "subnet-4e5f6a7b"] and balancer["Scheme"] == "internet-facing"
    assert template["Outputs"]["AlbDnsName"]["Value"] == {"Fn::GetAtt": ["AlbLoadBalancer", "DNSName"]}


def test_alb_rule_on_a_users_listener_is_exported(project: Path) -> None:
    listener = f"arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT}:listener/app/shared/0123456789abcdef/0123456789abcdef"
    _configure(project, alb={"listener_arn": listener, "host_headers": ["api.example.com"], "priority": 40})
    template = _template(project)
    assert _lint(template) == []
    rule = _of_type(template, "AWS::ElasticLoadBalancingV2::ListenerRule")["AlbListenerRule"]
    assert rule["ListenerArn"] == listener and rule["Priority"] == 40
    assert rule["Conditions"] == [{"Field": "host-header", "HostHeaderConfig": {"Values": ["api.example.com"]}}]
    assert not _of_type(template, "AWS::ElasticLoadBalancingV2::LoadBalancer")


@pytest.mark.parametrize("case", ["lambda", "sns", "sns-existing"])
def test_task_resources_have_no_drift_from_deploy(project: Path, case: str) -> None:
    """The result table, task topic, its subscription and grant, the failure
    destination and the role's statements for them: the same in the template as what
    ``lw deploy`` plans and creates, for each shape of the task settings."""
    settings = _task_targets(case)
    _configure(project, **settings)
    managed = case != "sns-existing"
    changes = lw_json(project, "deploy", "--dry-run")["plan"]["changes"]
    planned = " ".join(c["resource"] for c in changes if c["action"] == "create")
    template = _template(project, "--s3-bucket", "lw-packages")
    assert _lint(template) == []
    tables = _of_type(template, "AWS::DynamoDB::Table")
    topics = _of_type(template, "AWS::SNS::Topic")
    subscriptions = _of_type(template, "AWS::SNS::Subscription")
    configs = _of_type(template, "AWS::Lambda::EventInvokeConfig")
    assert (bool(tables), bool(topics), bool(subscriptions)) == (managed, managed and case == "sns", case != "lambda")
    assert (f"DynamoDB table {TASK_RESOURCE}" in planned) == managed
    assert (f"SNS topic {TASK_RESOURCE}" in planned) == bool(topics)
    assert ("sns subscription of" in planned) == bool(subscriptions)
    assert f"event invoke config of {NAME}:live" in planned and len(configs) == 1
    if not managed:  # deploy turns on the TTL of the user's table; the template says it does not
        assert [c["reason"] for c in changes if c["resource"] == f"DynamoDB table {TASK_RESOURCE}"] == [
            "TTL on expires is off"
        ]
        assert any("not exported" in n and TASK_RESOURCE in n for n in template["Metadata"]["lw"]["not_exported"])

    assert lw_run(project, "deploy").exit_code == 0
    function = _of_type(template, "AWS::Lambda::Function")["Function"]
    live = boto3.client("lambda").get_function_configuration(FunctionName=NAME, Qualifier="live")
    assert comparable({**function, "Role": live["Role"]}) == comparable(live)  # the LW_TASKS_* settings too
    role = _of_type(template, "AWS::IAM::Role")["ExecutionRole"]
    deployed = boto3.client("iam").get_role_policy(RoleName=NAME, PolicyName="lw-execution")["PolicyDocument"]
    assert role["Policies"][0]["PolicyDocument"] == deployed
    sids = {s.get("Sid") for s in deployed["Statement"]}
    assert {"TasksResults", "TasksFailureDestination", "TasksPublish" if case != "lambda" else "TasksInvoke"} <= sids
    dynamodb = boto3.client("dynamodb")
    for table in tables.values():
        found = dynamodb.describe_table(TableName=table["TableName"])["Table"]
        assert (found["KeySchema"], found["AttributeDefinitions"]) == (
            table["KeySchema"],
            table["AttributeDefinitions"],
        )
        assert found["BillingModeSummary"]["BillingMode"] == table["BillingMode"]
        ttl = dynamodb.describe_time_to_live(TableName=table["TableName"])["TimeToLiveDescription"]
        wanted_ttl = table["TimeToLiveSpecification"]
        assert (ttl["AttributeName"], ttl["TimeToLiveStatus"] == "ENABLED") == (
            wanted_ttl["AttributeName"],
            wanted_ttl["Enabled"],
        )
        assert dynamodb.list_tags_of_resource(ResourceArn=found["TableArn"])["Tags"] == table["Tags"]
    sns = boto3.client("sns")
    for topic in topics.values():
        arn = _arn_of({"Ref": "TaskTopic"})
        assert arn.endswith(f":{topic['TopicName']}")
        assert sns.list_tags_for_resource(ResourceArn=arn)["Tags"] == topic["Tags"]
    for subscription in subscriptions.values():
        found_subs = sns.list_subscriptions_by_topic(TopicArn=_arn_of(subscription["TopicArn"]))["Subscriptions"]
        assert [(s["Protocol"], s["Endpoint"]) for s in found_subs] == [
            (subscription["Protocol"], subscription["Endpoint"])
        ]
        grant = _of_type(template, "AWS::Lambda::Permission")["TaskTopicPermission"]
        policy = boto3.client("lambda").get_policy(FunctionName=NAME, Qualifier="live")["Policy"]
        (statement,) = [s for s in json.loads(policy)["Statement"] if s["Principal"] == {"Service": grant["Principal"]}]
        assert (statement["Resource"], statement["Action"]) == (grant["FunctionName"], grant["Action"])
        assert statement["Condition"]["ArnLike"]["AWS:SourceArn"] == _arn_of(grant["SourceArn"])
    (config,) = configs.values()
    invoke = boto3.client("lambda").get_function_event_invoke_config(FunctionName=NAME, Qualifier="live")
    assert config["FunctionName"] == {"Ref": "Function"} and config["Qualifier"] == "live"
    assert invoke["MaximumRetryAttempts"] == config["MaximumRetryAttempts"]
    assert invoke["DestinationConfig"]["OnFailure"] == config["DestinationConfig"]["OnFailure"]


def test_task_resources_lint_in_sam(project: Path, call_counter: Any) -> None:
    _configure(project, **_task_targets("sns"))
    call_counter.clear()
    template = _template(project, "--format", "sam", "--no-upload")
    assert call_counter.mutating == []
    assert _lint(template) == []
    resources = template["Resources"]
    assert resources["TaskInvokeConfig"]["DependsOn"] == ["FunctionAliaslive"]
    assert resources["TaskTopicSubscription"]["DependsOn"] == ["FunctionAliaslive", "TaskTopicPermission"]
    assert template["Outputs"]["TaskTopicArn"]["Value"] == {"Ref": "TaskTopic"}
    assert template["Outputs"]["TaskTableName"]["Value"] == {"Ref": "TaskTable"}
