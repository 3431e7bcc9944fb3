"""What static analysis cannot know is said, with file and line, never guessed."""

from __future__ import annotations

from policygen_helpers import grants


def test_dynamic_service_name_is_warned(scan):
    analysis = scan("""
        import boto3

        def client_for(name):
            return boto3.client(name)
    """)
    assert analysis.statements == []
    assert analysis.warnings == [
        "app.py:4: boto3 client() with a service name that is not a literal: calls made through it are not in "
        "the policy"
    ]


def test_getattr_with_a_variable_is_warned(scan):
    analysis = scan("""
        import boto3
        s3 = boto3.client("s3")

        def call(operation, **kwargs):
            return getattr(s3, operation)(**kwargs)

        getattr(s3, "list_buckets")()
    """)
    assert grants(analysis) == {("s3:ListAllMyBuckets", "*")}
    assert len(analysis.warnings) == 1
    assert analysis.warnings[0].startswith("app.py:5: getattr() with a method name that is not a literal")


def test_client_received_from_elsewhere_is_warned(scan):
    analysis = scan("""
        import boto3
        boto3.resource("dynamodb").Table("orders").get_item(Key={})

        def handler(event, context, table):
            table.put_item(Item=event)      # a table given by a framework: unknown
            event.update_item(x=1)          # not a DynamoDB method name in any traced form
    """)
    assert ("dynamodb:PutItem", "arn:aws:dynamodb:*:*:table/orders") not in grants(analysis)
    assert [w for w in analysis.warnings if "table.put_item" in w] == [
        "app.py:5: table.put_item(...) looks like a boto3 call (dynamodb:PutItem) on an object lw cannot trace "
        "statically; it is not in the policy (add it to extra_permissions if the app needs it)"
    ]


def test_non_literal_resource_widens_with_a_warning(scan):
    analysis = scan("""
        import os
        import boto3
        s3 = boto3.client("s3")
        s3.put_object(Bucket=os.environ["BUCKET"], Key="k", Body=b"")
        s3.put_object(Bucket="uploads", Key="k", Body=b"")
    """)
    # The literal grant is redundant next to "*", so only "*" remains.
    assert grants(analysis) == {("s3:PutObject", "*")}
    assert analysis.warnings == ["app.py:4: s3:PutObject granted on '*': Bucket is not a literal in the code"]


def test_keyword_unpacking_widens(scan):
    analysis = scan("""
        import boto3
        params = {"Bucket": "uploads"}
        boto3.client("s3").list_objects_v2(**params)
    """)
    assert grants(analysis) == {("s3:ListBucket", "*")}
    assert "**kwargs is not a literal" in analysis.warnings[0]


def test_conflicting_arguments_widen(scan):
    analysis = scan("""
        import boto3
        s3 = boto3.client("s3")

        def save(bucket):
            s3.put_object(Bucket=bucket, Key="k", Body=b"")

        save("uploads")
        save("media")
    """)
    assert grants(analysis) == {("s3:PutObject", "*")}


def test_unknown_service_and_method_are_warned(scan):
    analysis = scan("""
        import boto3
        boto3.client("not-a-service")
        boto3.client("s3").put_objectt(Bucket="x")
    """)
    assert analysis.statements == []
    assert analysis.warnings == [
        "app.py:2: boto3 client('not-a-service'): botocore knows no such service",
        "app.py:3: put_objectt() is not an operation of the s3 client",
    ]


def test_services_without_narrowing_rules_are_granted_on_star_with_a_warning(scan):
    analysis = scan("""
        import boto3
        boto3.client("glue").start_job_run(JobName="etl")
        boto3.client("rekognition").detect_labels(Image={})  # names no resource: nothing to narrow
    """)
    assert grants(analysis) == {("glue:StartJobRun", "*"), ("rekognition:DetectLabels", "*")}
    assert analysis.warnings == [
        "app.py:2: lw does not know how to narrow glue resources from the code; its actions are granted on '*'"
    ]


def test_unparsable_file_is_reported_not_fatal(scan):
    analysis = scan({"app.py": "import boto3\nboto3.client('sts').get_caller_identity()\n", "broken.py": "def (:\n"})
    assert grants(analysis) == {("sts:GetCallerIdentity", "*")}
    assert analysis.warnings[0].startswith("broken.py:1: not valid Python")
