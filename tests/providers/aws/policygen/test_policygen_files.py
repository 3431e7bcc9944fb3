"""Only the app's own code is analysed, and the result is deterministic."""

from __future__ import annotations

import json

from policygen_helpers import actions

from lw.providers.aws.policygen import analyse

CALL = "import boto3\nboto3.client('{service}').{method}()\n"


def test_skips_virtualenvs_tests_build_output_and_installed_packages(project):
    root = project(
        {
            "app.py": CALL.format(service="sts", method="get_caller_identity"),
            "tests/test_app.py": CALL.format(service="iam", method="list_users"),
            "test_things.py": CALL.format(service="iam", method="list_roles"),
            "conftest.py": CALL.format(service="iam", method="list_groups"),
            "venv/lib/x.py": CALL.format(service="ec2", method="describe_instances"),
            "myenv/pyvenv.cfg": "home = /usr/bin\n",
            "myenv/lib/y.py": CALL.format(service="ec2", method="describe_volumes"),
            "vendor/site-packages/z.py": CALL.format(service="ec2", method="describe_images"),
            ".lw/build/w.py": CALL.format(service="ec2", method="describe_vpcs"),
            "build/v.py": CALL.format(service="ec2", method="describe_subnets"),
            "scripts/admin.py": CALL.format(service="iam", method="list_policies"),
        }
    )
    assert actions(analyse(root)) == {"sts:GetCallerIdentity", "iam:ListPolicies"}
    assert actions(analyse(root, exclude=["scripts/"])) == {"sts:GetCallerIdentity"}


def test_same_code_same_policy(project):
    root = project(
        {
            "b.py": "import boto3\nboto3.client('s3').get_object(Bucket='b', Key='k')\n",
            "a.py": "import boto3\nboto3.client('s3').put_object(Bucket='a', Key='k')\n"
            "boto3.client('sqs').send_message(QueueUrl=U)\n",
        }
    )
    first, second = analyse(root), analyse(root)
    assert json.dumps(first.statements) == json.dumps(second.statements)
    assert first.warnings == second.warnings
    assert [s["Sid"] for s in first.statements] == ["LwCode1", "LwCode2", "LwCode3"]
    # Narrow statements first (sorted by resource), the "*" statement last.
    assert first.statements[0]["Resource"] == "arn:aws:s3:::a/*"
    assert first.statements[-1]["Resource"] == "*"
