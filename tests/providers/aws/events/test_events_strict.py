"""Event-source mappings against the strict layer: AWS changes them asynchronously
(Creating/Updating/Deleting) and checks the execution role's permissions, which IAM
propagates slowly. The fixtures' function and sources are made before the layer is
installed (``strict_aws`` comes last), as if they had existed for a while."""

from __future__ import annotations

import json

from events_helpers import ALIAS_ARN, FUNCTION, apply, make_ctx, mutating, sqs_event, stream_event

from lw.providers.aws.events import plan_events


POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["sqs:ReceiveMessage", "dynamodb:GetRecords"], "Resource": "*"}],
    }
)


def _mappings(aws) -> list[dict]:
    return aws.client("lambda").list_event_source_mappings(FunctionName=ALIAS_ARN)["EventSourceMappings"]


def test_starting_position_change_waits_until_the_old_mapping_is_deleted(aws, function, sources, strict_aws):
    strict_aws.delays.mapping_transition = 0.3
    apply(plan_events(make_ctx([stream_event("kinesis", sources["kinesis"])]), aws, FUNCTION, function))
    edited = make_ctx([stream_event("kinesis", sources["kinesis"], starting_position="TRIM_HORIZON")])
    (change,) = mutating(plan_events(edited, aws, FUNCTION, function))
    apply([change])  # the old mapping is Creating, then Deleting: both are waited out
    strict_aws.settle()
    (mapping,) = _mappings(aws)
    assert mapping["StartingPosition"] == "TRIM_HORIZON" and mapping["State"] == "Enabled"
    refused = {
        code for _, op, code in strict_aws.errors() if op.endswith("EventSourceMapping") and not op.startswith("Get")
    }
    assert refused <= {"InvalidParameterValueException"}, strict_aws.errors()


def test_update_and_delete_wait_out_creating_and_updating(aws, function, sources, strict_aws):
    strict_aws.delays.mapping_transition = 0.3
    apply(plan_events(make_ctx([sqs_event(sources["queue"], batch_size=5)]), aws, FUNCTION, function))
    apply(plan_events(make_ctx([sqs_event(sources["queue"], batch_size=7)]), aws, FUNCTION, function))  # Creating
    apply(plan_events(make_ctx([]), aws, FUNCTION, function))  # Updating
    assert not [e for e in strict_aws.errors() if e[2] == "ResourceInUseException"]
    strict_aws.settle()
    assert _mappings(aws) == []


def test_mapping_create_and_update_retry_while_the_role_propagates(aws, function, sources, strict_aws):
    role = aws.client("lambda").get_function_configuration(FunctionName=FUNCTION)["Role"].rsplit("/", 1)[-1]
    aws.client("iam").put_role_policy(RoleName=role, PolicyName="events", PolicyDocument=POLICY)  # just changed
    apply(
        plan_events(
            make_ctx([sqs_event(sources["queue"]), stream_event("dynamodb", sources["table_stream"])]),
            aws,
            FUNCTION,
            function,
        )
    )
    messages = [e for e in strict_aws.errors() if e[1] == "CreateEventSourceMapping"]
    assert messages and all(code == "InvalidParameterValueException" for _, _, code in messages)
    strict_aws.settle()
    assert sorted(m["State"] for m in _mappings(aws)) == ["Enabled", "Enabled"]

    aws.client("iam").put_role_policy(RoleName=role, PolicyName="events", PolicyDocument=POLICY)
    strict_aws.journal.clear()
    apply(
        plan_events(
            make_ctx([sqs_event(sources["queue"], batch_size=3), stream_event("dynamodb", sources["table_stream"])]),
            aws,
            FUNCTION,
            function,
        )
    )
    assert ("lambda", "UpdateEventSourceMapping", "InvalidParameterValueException") in strict_aws.errors()
    assert sorted(m["BatchSize"] for m in _mappings(aws)) == [3, 100]
