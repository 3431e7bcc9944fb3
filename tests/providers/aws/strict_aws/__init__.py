"""An AWS as strict as AWS: a layer over moto that refuses what AWS refuses *meanwhile*.

moto is immediately consistent: a function is Active the moment it is created, a role
is usable the moment it exists, a mapping is gone the moment it is deleted. AWS is not,
and the bugs that only show on AWS live in that gap. This layer sits at botocore's one
choke point (``BaseClient._make_api_call``, so it sees every client of the process,
whenever it was created; the CLI under test runs in-process) and keeps, per test, a
small model of the states AWS goes through, with short configurable delays:

* Lambda ``State: Pending`` after CreateFunction and ``LastUpdateStatus: InProgress``
  after every code or configuration update; meanwhile UpdateFunctionCode,
  UpdateFunctionConfiguration, PublishVersion and Invoke get ``ResourceConflictException``
  with AWS's messages, and Get* answers show the transitional state, so botocore's own
  waiters (``function_active_v2``, ``function_updated_v2``) really wait.
* SnapStart: a version published with ``SnapStart.ApplyOn=PublishedVersions`` is
  ``Pending`` for a while (``published_version_active`` waits for it). AWS accepts an
  alias on a Pending version but cannot invoke it; the layer, stricter, refuses the
  alias move so a test sees it.
* IAM propagation: after CreateRole / PutRolePolicy / AttachRolePolicy /
  UpdateAssumeRolePolicy, the next ``iam_attempts`` uses of that role by Lambda fail
  with the real message for what Lambda checks: "cannot be assumed by Lambda"
  (new role), "...permissions to call CreateNetworkInterface on EC2" (VPC),
  "...SendMessage on SQS" (dead-letter queue), "...ReceiveMessage on SQS" /
  "...GetRecords..." (event source mappings).
* Event source mappings go ``Creating`` -> Enabled/Disabled, ``Updating`` -> ...,
  ``Deleting`` -> gone (moto's delete is deferred until the delay passed); updates and
  deletes meanwhile get ``ResourceInUseException``; a create for the same source and
  function while one is Deleting gets "provided mapping already exists".
* S3 ``PutBucketNotificationConfiguration`` validates each Lambda destination: the
  function policy must allow ``s3.amazonaws.com`` from that bucket, and a permission
  added in the last ``s3_permission_attempts`` attempts is not visible yet ("Unable to
  validate the following destination configurations").
* Elastic Load Balancing: ``RegisterTargets`` of a Lambda function needs the function
  to exist and its policy to let ``elasticloadbalancing.amazonaws.com`` invoke it from
  that target group (``AccessDenied``), a permission added in the last
  ``elb_permission_attempts`` attempts is not visible yet; a ``lambda`` target group
  holds one target; an ALB needs subnets in two zones; HTTPS listeners a certificate;
  a target group serves one load balancer (``TargetGroupAssociationLimit``), and its
  ``LoadBalancerArns`` lists the balancers forwarding to it now (moto's never shrinks).
* API Gateway: ``DeleteRestApi`` and ``CreateDomainName`` at most once per
  ``apigw_quota_window`` (``TooManyRequestsException``); ``conflict()`` queues
  ``ConflictException`` answers; ``rest_preflight()`` executes a REST API's CORS
  preflight as API Gateway would (mock integration, with the binary-media-type rule:
  ``*/*`` makes every payload binary and a mock's request template then fails with
  500 unless the integration converts to text); ``http_preflight()`` selects the HTTP
  API route an ``OPTIONS`` request reaches and applies its authorization.
* Aliases: UpdateAlias leaves routing weights on the alias for ``alias_weights``
  seconds; ``PutProvisionedConcurrencyConfig`` meanwhile is refused ("Alias with
  weights can not be used with Provisioned Concurrency"). moto lacks the provisioned
  concurrency API, so the layer implements it.
* AWS's validations and limits moto skips (``limits.py``: base paths, page sizes,
  policy size, queue visibility, unreserved concurrency, SnapStart runtimes, ECDSA
  certificates, EventBridge partial failures, failed updates, ``deny()``), and Lambda's
  VPC interfaces, released after the function only while its role exists (``vpc.py``).
* ``process.py`` + ``boot/sitecustomize.py``: the same layer in an ``lw`` CLI run as a
  separate process (``environment()``, ``read_journal()``).
* DynamoDB tables are ``CREATING`` for ``table_creating`` seconds (TTL and deletion
  refused meanwhile); ``PutFunctionEventInvokeConfig`` checks the role may reach the
  on-failure destination, with IAM's propagation delay.
* ``chaos()``: random latency on every call and HTTP-level throttling answers (the
  protocol's own throttling error, so botocore's retry handler sees and retries them
  as it would AWS's), for convergence tests.

Delays are wall-clock seconds (milliseconds by default) and the CLI runs with
``LW_AWS_WAIT_SCALE`` so lw's waits shrink by the same factor. ``journal`` records every
call with the error the layer answered, for assertions. See docs/testing.md.
"""

from __future__ import annotations

from .apigateway import select_route
from .layer import StrictAws
from .state import Delays

__all__ = ["Delays", "StrictAws", "select_route"]
