"""The strict layer itself refuses what AWS refuses meanwhile (a double is only as good
as its strictness): each modeled behaviour, called directly with boto3."""

from __future__ import annotations

import io
import json
import time
import zipfile
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from strict_aws import select_route

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("h.py", "def handler(e, c):\n    return e\n")
    return buffer.getvalue()


def _role(strict: Any) -> str:
    with strict.paused():
        return boto3.client("iam").create_role(RoleName="r", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]


def _create(lam: Any, role: str, **extra: Any) -> dict:
    return lam.create_function(
        FunctionName="f", Runtime="python3.12", Role=role, Handler="h.handler", Code={"ZipFile": _zip()}, **extra
    )


def _code_of(error: pytest.ExceptionInfo) -> str:
    return error.value.response["Error"]["Code"]


def test_new_role_is_refused_then_pending_then_in_progress(strict_aws: Any) -> None:
    iam, lam = boto3.client("iam"), boto3.client("lambda")
    role = iam.create_role(RoleName="fresh", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    for _ in range(strict_aws.delays.iam_attempts):
        with pytest.raises(ClientError, match="cannot be assumed by Lambda") as refused:
            _create(lam, role)
        assert _code_of(refused) == "InvalidParameterValueException"
    created = _create(lam, role)
    assert created["State"] == "Pending"
    with pytest.raises(ClientError, match="following state: Pending") as busy:
        lam.update_function_code(FunctionName="f", ZipFile=_zip())
    assert _code_of(busy) == "ResourceConflictException"
    lam.get_waiter("function_active_v2").wait(FunctionName="f", WaiterConfig={"Delay": 0.005, "MaxAttempts": 100})
    assert lam.update_function_configuration(FunctionName="f", MemorySize=256)["LastUpdateStatus"] == "InProgress"
    for refused_call in (
        lambda: lam.publish_version(FunctionName="f"),
        lambda: lam.update_function_code(FunctionName="f", ZipFile=_zip()),
    ):
        with pytest.raises(ClientError, match="An update is in progress"):
            refused_call()
    lam.get_waiter("function_updated_v2").wait(FunctionName="f", WaiterConfig={"Delay": 0.005, "MaxAttempts": 100})
    lam.publish_version(FunctionName="f")


def test_role_policy_change_is_refused_with_the_message_of_what_lambda_checks(strict_aws: Any) -> None:
    role = _role(strict_aws)
    lam, iam = boto3.client("lambda"), boto3.client("iam")
    _create(lam, role)
    strict_aws.settle()
    iam.put_role_policy(
        RoleName="r",
        PolicyName="p",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "ec2:CreateNetworkInterface", "Resource": "*"}],
            }
        ),
    )
    with pytest.raises(ClientError, match="CreateNetworkInterface on EC2"):
        lam.update_function_configuration(FunctionName="f", VpcConfig={"SubnetIds": ["s"], "SecurityGroupIds": ["g"]})
    with pytest.raises(ClientError, match="SendMessage on SQS"):
        lam.update_function_configuration(
            FunctionName="f", DeadLetterConfig={"TargetArn": "arn:aws:sqs:us-east-1:123456789012:q"}
        )
    lam.update_function_configuration(FunctionName="f", VpcConfig={"SubnetIds": ["s"], "SecurityGroupIds": ["g"]})


def test_mapping_states_and_a_create_while_deleting(strict_aws: Any) -> None:
    role = _role(strict_aws)
    lam, sqs = boto3.client("lambda"), boto3.client("sqs")
    _create(lam, role)
    url = sqs.create_queue(QueueName="q")["QueueUrl"]
    queue = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    strict_aws.settle()
    mapping = lam.create_event_source_mapping(FunctionName="f", EventSourceArn=queue)
    assert mapping["State"] == "Creating"
    with pytest.raises(ClientError) as busy:
        lam.update_event_source_mapping(UUID=mapping["UUID"], BatchSize=3)
    assert _code_of(busy) == "ResourceInUseException"
    strict_aws.settle()
    assert lam.get_event_source_mapping(UUID=mapping["UUID"])["State"] == "Enabled"
    assert lam.delete_event_source_mapping(UUID=mapping["UUID"])["State"] == "Deleting"
    with pytest.raises(ClientError, match="provided mapping already exists"):
        lam.create_event_source_mapping(FunctionName="f", EventSourceArn=queue)
    strict_aws.settle()
    with pytest.raises(ClientError) as gone:
        lam.get_event_source_mapping(UUID=mapping["UUID"])
    assert _code_of(gone) == "ResourceNotFoundException"
    lam.create_event_source_mapping(FunctionName="f", EventSourceArn=queue)


def test_s3_notification_needs_a_propagated_permission(strict_aws: Any) -> None:
    role = _role(strict_aws)
    lam, s3 = boto3.client("lambda"), boto3.client("s3")
    arn = _create(lam, role)["FunctionArn"]
    s3.create_bucket(Bucket="strict-bucket")
    config = {"LambdaFunctionConfigurations": [{"LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"]}]}
    with pytest.raises(ClientError, match="Unable to validate"):  # no permission at all
        s3.put_bucket_notification_configuration(Bucket="strict-bucket", NotificationConfiguration=config)
    lam.add_permission(
        FunctionName="f",
        StatementId="s3",
        Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com",
        SourceArn="arn:aws:s3:::strict-bucket",
    )
    for _ in range(strict_aws.delays.s3_permission_attempts):
        with pytest.raises(ClientError, match="Unable to validate"):
            s3.put_bucket_notification_configuration(Bucket="strict-bucket", NotificationConfiguration=config)
    s3.put_bucket_notification_configuration(Bucket="strict-bucket", NotificationConfiguration=config)


def test_snapstart_version_pending_alias_weights_and_provisioned_concurrency(strict_aws: Any) -> None:
    role = _role(strict_aws)
    strict_aws.delays.alias_weights = 0.5  # long enough for the reads below on a busy machine
    lam = boto3.client("lambda")
    _create(lam, role, Publish=True, SnapStart={"ApplyOn": "PublishedVersions"})
    with pytest.raises(ClientError, match="Pending"):
        lam.create_alias(FunctionName="f", Name="live", FunctionVersion="1")
    lam.get_waiter("published_version_active").wait(
        FunctionName="f", Qualifier="1", WaiterConfig={"Delay": 0.005, "MaxAttempts": 100}
    )
    lam.create_alias(FunctionName="f", Name="live", FunctionVersion="1")
    lam.update_function_configuration(FunctionName="f", MemorySize=256)
    strict_aws.settle()
    lam.publish_version(FunctionName="f")
    strict_aws.settle()
    lam.update_alias(FunctionName="f", Name="live", FunctionVersion="2")
    assert lam.get_alias(FunctionName="f", Name="live")["RoutingConfig"]["AdditionalVersionWeights"]
    with pytest.raises(ClientError, match="Alias with weights"):
        lam.put_provisioned_concurrency_config(FunctionName="f", Qualifier="live", ProvisionedConcurrentExecutions=1)
    strict_aws.settle()
    lam.put_provisioned_concurrency_config(FunctionName="f", Qualifier="live", ProvisionedConcurrentExecutions=1)
    assert (
        lam.get_provisioned_concurrency_config(FunctionName="f", Qualifier="live")[
            "RequestedProvisionedConcurrentExecutions"
        ]
        == 1
    )


def test_api_gateway_quota_and_conflicts(strict_aws: Any) -> None:
    strict_aws.delays.apigw_quota_window = 0.5  # AWS: 30 s; long enough here for a busy machine
    apigw = boto3.client("apigateway")
    first, second = (apigw.create_rest_api(name=n)["id"] for n in ("a", "b"))
    apigw.delete_rest_api(restApiId=first)
    with pytest.raises(ClientError) as throttled:
        apigw.delete_rest_api(restApiId=second)
    assert _code_of(throttled) == "TooManyRequestsException"
    time.sleep(strict_aws.delays.apigw_quota_window)
    apigw.delete_rest_api(restApiId=second)
    strict_aws.conflict("apigateway", "CreateRestApi")
    with pytest.raises(ClientError) as conflict:
        apigw.create_rest_api(name="c")
    assert _code_of(conflict) == "ConflictException"
    apigw.create_rest_api(name="c")


def test_rest_preflight_applies_the_binary_transform_rule(strict_aws: Any) -> None:
    apigw = boto3.client("apigateway")
    api = apigw.create_rest_api(name="a", binaryMediaTypes=["*/*"])["id"]

    def document(**integration: Any) -> bytes:
        mock = {
            "type": "mock",
            "requestTemplates": {"application/json": '{"statusCode": 200}'},
            "responses": {
                "default": {
                    "statusCode": "200",
                    "responseParameters": {"method.response.header.Access-Control-Allow-Origin": "'*'"},
                }
            },
            **integration,
        }
        return json.dumps(
            {
                "openapi": "3.0.1",
                "info": {"title": "a", "version": "1"},
                "paths": {
                    "/": {
                        "options": {
                            "responses": {"200": {"description": "ok"}},
                            "x-amazon-apigateway-integration": mock,
                        }
                    }
                },
            }
        ).encode()

    # (moto's import of a mock integration wants a uri; the layer executes the document)
    strict_aws._after_apigateway_PutRestApi(None, {"restApiId": api, "body": document()}, {})
    assert strict_aws.rest_preflight(api, "/")[0] == 500
    strict_aws._after_apigateway_PutRestApi(
        None, {"restApiId": api, "body": document(contentHandling="CONVERT_TO_TEXT")}, {}
    )
    assert strict_aws.rest_preflight(api, "/") == (200, {"Access-Control-Allow-Origin": "*"})


@pytest.mark.parametrize(
    ("keys", "path", "expected"),
    [
        (["$default"], "/a/b", "$default"),
        (["$default", "OPTIONS /{proxy+}"], "/a/b", "OPTIONS /{proxy+}"),
        (["$default", "OPTIONS /{proxy+}"], "/", "$default"),
        (["$default", "OPTIONS /", "OPTIONS /{proxy+}"], "/", "OPTIONS /"),
        (["ANY /{proxy+}", "OPTIONS /{proxy+}"], "/a", "OPTIONS /{proxy+}"),
        (["ANY /a/b", "OPTIONS /{proxy+}"], "/a/b", "ANY /a/b"),
    ],
)
def test_http_api_route_selection(keys: list[str], path: str, expected: str) -> None:
    routes = [{"RouteKey": k} for k in keys]
    assert select_route(routes, "OPTIONS", path)["RouteKey"] == expected


def test_lambda_target_needs_the_elb_permission_first(strict_aws: Any) -> None:
    """moto registers any Lambda target; AWS refuses one it may not invoke."""
    lam, elb = boto3.client("lambda"), boto3.client("elbv2")
    with strict_aws.paused():
        arn = _create(lam, _role(strict_aws))["FunctionArn"]
        group = elb.create_target_group(Name="g", TargetType="lambda")["TargetGroups"][0]["TargetGroupArn"]
        other = elb.create_target_group(Name="h", TargetType="lambda")["TargetGroups"][0]["TargetGroupArn"]
    with pytest.raises(ClientError, match="does not have permission to invoke") as denied:
        elb.register_targets(TargetGroupArn=group, Targets=[{"Id": arn}])
    assert _code_of(denied) == "AccessDenied"
    with pytest.raises(ClientError) as missing:
        elb.register_targets(TargetGroupArn=group, Targets=[{"Id": arn + "-nope"}])
    assert _code_of(missing) == "InvalidTarget"
    lam.add_permission(
        FunctionName="f",
        StatementId="elb",
        Action="lambda:InvokeFunction",
        Principal="elasticloadbalancing.amazonaws.com",
        SourceArn=other,  # another target group's
    )
    for _ in range(strict_aws.delays.elb_permission_attempts + 1):
        with pytest.raises(ClientError, match="does not have permission to invoke"):
            elb.register_targets(TargetGroupArn=group, Targets=[{"Id": arn}])
    lam.add_permission(
        FunctionName="f",
        StatementId="elb-g",
        Action="lambda:InvokeFunction",
        Principal="elasticloadbalancing.amazonaws.com",
        SourceArn=group,
    )
    for _ in range(strict_aws.delays.elb_permission_attempts):  # not visible yet
        with pytest.raises(ClientError, match="does not have permission to invoke"):
            elb.register_targets(TargetGroupArn=group, Targets=[{"Id": arn}])
    elb.register_targets(TargetGroupArn=group, Targets=[{"Id": arn}])
    with pytest.raises(ClientError, match="only one target"):
        elb.register_targets(TargetGroupArn=group, Targets=[{"Id": arn + ":live"}])


def test_a_target_group_serves_one_load_balancer(strict_aws: Any) -> None:
    """AWS's quota of load balancers per target group is 1; moto has none and never
    drops a balancer from the group's LoadBalancerArns."""
    ec2, elb = boto3.client("ec2"), boto3.client("elbv2")
    with strict_aws.paused():
        vpc = ec2.create_vpc(CidrBlock="10.6.0.0/16")["Vpc"]["VpcId"]
        subnets = [
            ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.6.{i}.0/24", AvailabilityZone=f"us-east-1{z}")["Subnet"][
                "SubnetId"
            ]
            for i, z in ((1, "a"), (2, "b"))
        ]
        first, second = (
            elb.create_load_balancer(Name=n, Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"] for n in "ab"
        )
        group = elb.create_target_group(Name="g", TargetType="lambda")["TargetGroups"][0]["TargetGroupArn"]
        spare = elb.create_target_group(Name="h", TargetType="lambda")["TargetGroups"][0]["TargetGroupArn"]
    forward = [{"Type": "forward", "TargetGroupArn": group}]
    listener = elb.create_listener(LoadBalancerArn=first, Protocol="HTTP", Port=80, DefaultActions=forward)
    listener_arn = listener["Listeners"][0]["ListenerArn"]
    elb.create_listener(LoadBalancerArn=first, Protocol="HTTP", Port=8080, DefaultActions=forward)  # same balancer
    assert elb.describe_target_groups(TargetGroupArns=[group])["TargetGroups"][0]["LoadBalancerArns"] == [first]
    other = elb.create_listener(
        LoadBalancerArn=second, Protocol="HTTP", Port=80, DefaultActions=[{"Type": "forward", "TargetGroupArn": spare}]
    )["Listeners"][0]["ListenerArn"]
    with pytest.raises(ClientError, match="more than one load balancer") as refused:
        elb.create_rule(
            ListenerArn=other,
            Priority=1,
            Conditions=[{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/*"]}}],
            Actions=forward,
        )
    assert _code_of(refused) == "TargetGroupAssociationLimit"
    with pytest.raises(ClientError, match="more than one load balancer"):
        elb.modify_listener(ListenerArn=other, DefaultActions=forward)
    for found in elb.describe_listeners(LoadBalancerArn=first)["Listeners"]:
        elb.delete_listener(ListenerArn=found["ListenerArn"])
    assert listener_arn not in [li["ListenerArn"] for li in elb.describe_listeners(LoadBalancerArn=first)["Listeners"]]
    assert elb.describe_target_groups(TargetGroupArns=[group])["TargetGroups"][0]["LoadBalancerArns"] == []
    elb.modify_listener(ListenerArn=other, DefaultActions=forward)  # free again
    assert elb.describe_target_groups(TargetGroupArns=[group])["TargetGroups"][0]["LoadBalancerArns"] == [second]


def test_alb_needs_two_zones_and_https_a_certificate(strict_aws: Any) -> None:
    ec2, elb = boto3.client("ec2"), boto3.client("elbv2")
    with strict_aws.paused():
        vpc = ec2.create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
        one = ec2.create_subnet(VpcId=vpc, CidrBlock="10.7.1.0/24", AvailabilityZone="us-east-1a")["Subnet"]
        same = ec2.create_subnet(VpcId=vpc, CidrBlock="10.7.2.0/24", AvailabilityZone="us-east-1a")["Subnet"]
        two = ec2.create_subnet(VpcId=vpc, CidrBlock="10.7.3.0/24", AvailabilityZone="us-east-1b")["Subnet"]
    with pytest.raises(ClientError, match="two different Availability Zones"):
        elb.create_load_balancer(Name="one-zone", Subnets=[one["SubnetId"], same["SubnetId"]])
    balancer = elb.create_load_balancer(Name="two", Subnets=[one["SubnetId"], two["SubnetId"]])["LoadBalancers"][0]
    with pytest.raises(ClientError, match="certificate must be specified"):
        elb.create_listener(LoadBalancerArn=balancer["LoadBalancerArn"], Protocol="HTTPS", Port=443, DefaultActions=[])
