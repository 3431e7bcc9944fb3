"""Each way an app reaches boto3, found statically and turned into grants."""

from __future__ import annotations

from policygen_helpers import actions, grants

BUCKET_ARN = "arn:aws:s3:::uploads"
OBJECTS_ARN = "arn:aws:s3:::uploads/*"
TABLE_ARN = "arn:aws:dynamodb:*:*:table/orders"


def test_module_level_client(scan):
    analysis = scan("""
        import boto3
        s3 = boto3.client("s3")
        s3.put_object(Bucket="uploads", Key="a", Body=b"")
    """)
    assert grants(analysis) == {("s3:PutObject", OBJECTS_ARN)}
    assert analysis.warnings == []
    call = analysis.calls[0]
    assert (call.file, call.line, call.service, call.operation) == ("app.py", 3, "s3", "PutObject")


def test_function_level_client_and_chained_call(scan):
    analysis = scan("""
        import boto3

        def handler(event, context):
            boto3.client("sqs").send_message(QueueUrl="https://sqs.eu-west-1.amazonaws.com/123456789012/jobs",
                                             MessageBody="x")
    """)
    assert grants(analysis) == {("sqs:SendMessage", "arn:aws:sqs:eu-west-1:123456789012:jobs")}


def test_boto3_resource_is_understood(scan):
    # Chalice's generator ignores boto3.resource (its issue #118).
    analysis = scan("""
        import boto3
        dynamodb = boto3.resource("dynamodb")
        table = dynamodb.Table("orders")

        def save(item):
            table.put_item(Item=item)
            return table.get_item(Key={"id": item["id"]})
    """)
    assert grants(analysis) == {("dynamodb:PutItem", TABLE_ARN), ("dynamodb:GetItem", TABLE_ARN)}


def test_s3_resource_objects_and_buckets(scan):
    analysis = scan("""
        import boto3
        s3 = boto3.resource("s3")
        s3.Object("uploads", "report.csv").get()
        s3.Bucket("media").put_object(Key="k", Body=b"")
        s3.Bucket("media").Object("k").delete()
    """)
    assert grants(analysis) == {
        ("s3:GetObject", OBJECTS_ARN),
        ("s3:PutObject", "arn:aws:s3:::media/*"),
        ("s3:DeleteObject", "arn:aws:s3:::media/*"),
    }


def test_collections_and_their_items(scan):
    analysis = scan("""
        import boto3
        bucket = boto3.resource("s3").Bucket("uploads")
        for summary in bucket.objects.filter(Prefix="tmp/"):
            summary.delete()
        bucket.objects.all().delete()
    """)
    assert grants(analysis) == {
        ("s3:ListBucket", BUCKET_ARN),
        ("s3:DeleteObject", OBJECTS_ARN),
    }


def test_aliases(scan):
    analysis = scan("""
        import boto3 as b
        from boto3 import client as make_client, resource
        from boto3.session import Session

        b.client("sns").publish(TopicArn="arn:aws:sns:us-east-1:123456789012:alerts", Message="x")
        make_client("lambda").invoke(FunctionName="worker")
        resource("dynamodb").Table("orders").delete_item(Key={})
        Session().client("secretsmanager").get_secret_value(SecretId="db")
    """)
    assert grants(analysis) == {
        ("sns:Publish", "arn:aws:sns:us-east-1:123456789012:alerts"),
        ("lambda:InvokeFunction", "arn:aws:lambda:*:*:function:worker"),
        ("dynamodb:DeleteItem", TABLE_ARN),
        ("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:*:*:secret:db-*"),
    }


def test_sessions(scan):
    analysis = scan("""
        import boto3
        import boto3.session

        session = boto3.Session(region_name="eu-west-1")
        s3 = session.client("s3")
        other = boto3.session.Session().resource("dynamodb")

        def f():
            s3.head_object(Bucket="uploads", Key="k")
            other.Table("orders").scan()
    """)
    assert grants(analysis) == {("s3:GetObject", OBJECTS_ARN), ("dynamodb:Scan", TABLE_ARN)}


def test_client_stored_on_self_and_used_in_another_method(scan):
    analysis = scan("""
        import boto3

        class Storage:
            def save(self, key, body):
                self.s3.put_object(Bucket="uploads", Key=key, Body=body)

            def __init__(self):
                self.s3 = boto3.client("s3")
                self.table = boto3.resource("dynamodb").Table("orders")

            def record(self, item):
                self.table.update_item(Key=item)
    """)
    assert grants(analysis) == {("s3:PutObject", OBJECTS_ARN), ("dynamodb:UpdateItem", TABLE_ARN)}


def test_class_attribute_client(scan):
    analysis = scan("""
        import boto3

        class Queue:
            sqs = boto3.client("sqs")

            def size(self):
                return self.sqs.get_queue_attributes(QueueUrl=URL)

        URL = "https://sqs.us-east-2.amazonaws.com/123456789012/jobs"
    """)
    assert grants(analysis) == {("sqs:GetQueueAttributes", "arn:aws:sqs:us-east-2:123456789012:jobs")}


def test_resource_meta_client(scan):
    analysis = scan("""
        import boto3
        client = boto3.resource("s3").meta.client
        client.delete_object(Bucket="uploads", Key="k")
    """)
    assert grants(analysis) == {("s3:DeleteObject", OBJECTS_ARN)}


def test_paginators(scan):
    analysis = scan("""
        import boto3
        s3 = boto3.client("s3")
        paginator = s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket="uploads"):
            pass
        for page in boto3.client("dynamodb").get_paginator("query").paginate(TableName="orders", IndexName="byDate"):
            pass
    """)
    assert grants(analysis) == {
        ("s3:ListBucket", BUCKET_ARN),
        ("dynamodb:Query", TABLE_ARN),
        ("dynamodb:Query", TABLE_ARN + "/index/*"),
    }


def test_waiters_use_the_operation_they_poll(scan):
    analysis = scan("""
        import boto3
        boto3.client("s3").get_waiter("object_exists").wait(Bucket="uploads", Key="k")
        boto3.client("dynamodb").get_waiter("table_exists").wait(TableName="orders")
        boto3.resource("dynamodb").Table("orders").wait_until_exists()
    """)
    assert grants(analysis) == {("s3:GetObject", OBJECTS_ARN), ("dynamodb:DescribeTable", TABLE_ARN)}


def test_s3_transfer_methods(scan):
    analysis = scan("""
        import boto3
        s3 = boto3.client("s3")
        s3.upload_file("/tmp/a", "uploads", "a")
        s3.download_file(Bucket="media", Key="b", Filename="/tmp/b")
    """)
    assert grants(analysis) == {
        ("s3:PutObject", OBJECTS_ARN),
        ("s3:AbortMultipartUpload", OBJECTS_ARN),
        ("s3:GetObject", "arn:aws:s3:::media/*"),
    }


def test_s3_transfer_methods_on_resources(scan):
    analysis = scan("""
        import boto3
        s3 = boto3.resource("s3")
        s3.Bucket("uploads").upload_fileobj(open("f", "rb"), "key")
        s3.Object("media", "k").download_file("/tmp/k")
    """)
    assert grants(analysis) == {
        ("s3:PutObject", OBJECTS_ARN),
        ("s3:AbortMultipartUpload", OBJECTS_ARN),
        ("s3:GetObject", "arn:aws:s3:::media/*"),
    }


def test_s3_copy_reads_the_source_and_writes_the_destination(scan):
    analysis = scan("""
        import boto3
        boto3.client("s3").copy_object(CopySource={"Bucket": "media", "Key": "a"}, Bucket="uploads", Key="a")
    """)
    assert grants(analysis) == {("s3:GetObject", "arn:aws:s3:::media/*"), ("s3:PutObject", OBJECTS_ARN)}


def test_presigned_urls_need_the_action_they_sign(scan):
    analysis = scan("""
        import boto3
        url = boto3.client("s3").generate_presigned_url("get_object", Params={"Bucket": "uploads", "Key": "k"})
    """)
    assert grants(analysis) == {("s3:GetObject", OBJECTS_ARN)}


def test_dynamodb_batch_writer_and_batch_calls(scan):
    analysis = scan("""
        import boto3
        with boto3.resource("dynamodb").Table("orders").batch_writer() as batch:
            batch.put_item(Item={})
        boto3.client("dynamodb").batch_get_item(RequestItems={"orders": {}, "users": {}})
    """)
    assert grants(analysis) == {
        ("dynamodb:BatchWriteItem", TABLE_ARN),
        ("dynamodb:BatchGetItem", TABLE_ARN),
        ("dynamodb:BatchGetItem", "arn:aws:dynamodb:*:*:table/users"),
    }
    assert analysis.warnings == []  # batch.put_item is part of BatchWriteItem, not an untraced call


def test_literal_names_through_constants_and_fstrings(scan):
    analysis = scan("""
        import boto3
        PREFIX = "shop"
        BUCKET = f"{PREFIX}-uploads"
        TABLE = PREFIX + "-orders"
        boto3.client("s3").list_objects_v2(Bucket=BUCKET)
        boto3.client("dynamodb").get_item(TableName=TABLE, Key={})
    """)
    assert grants(analysis) == {
        ("s3:ListBucket", "arn:aws:s3:::shop-uploads"),
        ("dynamodb:GetItem", "arn:aws:dynamodb:*:*:table/shop-orders"),
    }


def test_calls_across_modules_helpers_and_arguments(scan):
    analysis = scan(
        {
            "shop/__init__.py": "",
            "shop/clients.py": """
            import boto3

            def get_table(name):
                return boto3.resource("dynamodb").Table(name)

            s3 = boto3.client("s3")
        """,
            "shop/views.py": """
            from .clients import get_table, s3
            from . import clients

            def store(client, key):
                client.put_object(Bucket="uploads", Key=key, Body=b"")

            def view():
                store(s3, "k")
                get_table("orders").query(KeyConditionExpression="x")
                clients.s3.head_bucket(Bucket="uploads")
        """,
        }
    )
    assert grants(analysis) == {
        ("s3:PutObject", OBJECTS_ARN),
        ("s3:ListBucket", BUCKET_ARN),
        ("dynamodb:Query", TABLE_ARN),
    }
    assert {c.file for c in analysis.calls} == {"shop/views.py"}


def test_other_services_use_the_operation_name(scan):
    analysis = scan("""
        import boto3
        boto3.client("cloudwatch").put_metric_data(Namespace="shop", MetricData=[])
        boto3.client("sts").get_caller_identity()
    """)
    assert actions(analysis) == {"cloudwatch:PutMetricData", "sts:GetCallerIdentity"}
    assert all(resource == "*" for _, resource in grants(analysis))


def test_helper_methods_returning_resources(scan):
    analysis = scan("""
        import boto3

        class Repository:
            def _table(self):
                return boto3.resource("dynamodb").Table("orders")

            @staticmethod
            def _bucket(name):
                return boto3.resource("s3").Bucket(name)

            def save(self, item):
                self._table().put_item(Item=item)
                self._bucket("uploads").put_object(Key="k", Body=b"")
    """)
    assert grants(analysis) == {("dynamodb:PutItem", TABLE_ARN), ("s3:PutObject", OBJECTS_ARN)}


def test_self_referencing_code_terminates(scan):
    analysis = scan("""
        import boto3
        items = []
        items = [items]

        def nest(x):
            return nest([x])

        class Node:
            def grow(self):
                self.children = [self.children]
    """)
    assert analysis.statements == [] and analysis.warnings == []


def test_project_without_boto3_is_not_analysed(scan):
    analysis = scan("def view():\n    return 'hello'\n")
    assert analysis.statements == [] and analysis.calls == [] and analysis.warnings == []


def test_environment_variables_set_by_the_stage_are_literals(scan):
    source = """
        import os
        from os import environ, getenv
        import boto3
        s3 = boto3.client("s3")
        s3.put_object(Bucket=os.environ["UPLOADS"], Key="k", Body=b"")
        s3.get_object(Bucket=os.environ.get("MEDIA", "media-default"), Key="k")
        boto3.resource("dynamodb").Table(getenv("TABLE")).get_item(Key={})
        boto3.client("sqs").send_message(QueueUrl=environ["QUEUE"], MessageBody="x")
    """
    known = scan(source, environment={"UPLOADS": "uploads", "TABLE": "orders"})
    assert grants(known) == {
        ("s3:PutObject", OBJECTS_ARN),
        ("s3:GetObject", "arn:aws:s3:::media-default/*"),  # unset: its literal default
        ("dynamodb:GetItem", TABLE_ARN),
        ("sqs:SendMessage", "*"),
    }
    assert [w.split(": ", 1)[1] for w in known.warnings] == [
        "sqs:SendMessage granted on '*': QueueUrl is not a literal in the code"
    ]


def test_lazily_created_global_client(scan):
    analysis = scan("""
        import boto3
        _s3 = None

        def s3():
            global _s3
            if _s3 is None:
                _s3 = boto3.client("s3")
            return _s3

        def handler(event, context):
            _s3.delete_object(Bucket="uploads", Key="k")
            s3().put_object(Bucket="uploads", Key="k", Body=b"")
    """)
    assert grants(analysis) == {("s3:DeleteObject", OBJECTS_ARN), ("s3:PutObject", OBJECTS_ARN)}


def test_ecr_calls_narrow_to_the_repository_and_the_token_to_star(scan):
    """An app that reads images (a worker pulling a model image, say): repository
    actions on the repository's ARN; GetAuthorizationToken takes only "*"."""
    analysis = scan("""
        import boto3
        ecr = boto3.client("ecr")

        def handler(event, context):
            ecr.get_authorization_token()
            ecr.batch_get_image(repositoryName="models", imageIds=[{"imageTag": "v1"}])
    """)
    assert grants(analysis) == {
        ("ecr:GetAuthorizationToken", "*"),
        ("ecr:BatchGetImage", "arn:aws:ecr:*:*:repository/models"),
    }
    assert analysis.warnings == []
