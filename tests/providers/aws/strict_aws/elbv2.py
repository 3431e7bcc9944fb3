"""Elastic Load Balancing (v2) where moto accepts what AWS refuses.

From the ELB user guide ("Use Lambda functions as targets of an Application Load
Balancer") and the API reference:

* ``RegisterTargets`` on a target group of type ``lambda`` needs the function (or the
  alias, for a qualified ARN) to exist (``InvalidTarget`` otherwise) and its resource
  policy to let ``elasticloadbalancing.amazonaws.com`` invoke it, from that target
  group when the statement names a source (``AccessDenied``: "elasticloadbalancing
  principal does not have permission to invoke ... from target group ..."). moto
  registers anything. A permission added in the last ``elb_permission_attempts``
  attempts is not visible yet, as Lambda policies take a moment to propagate.
* A ``lambda`` target group holds one function.
* An Application Load Balancer needs subnets in at least two Availability Zones.
* An HTTPS listener needs a certificate.
* A target group belongs to at most one load balancer (the quota "load balancers per
  target group" is 1; ``TargetGroupAssociationLimit``): a listener or rule of a second
  load balancer may not forward to it until the first one's listener or rule is gone.
  moto never checks this, and it keeps a deleted load balancer (or one whose rule was
  deleted) in the group's ``LoadBalancerArns`` for ever; AWS answers the balancers that
  forward to the group now, and so does this layer.
"""

from __future__ import annotations

import json
from typing import Any

from .wire import FUNCTION_STATE_ARN, function_name

PRINCIPAL = "elasticloadbalancing.amazonaws.com"


class Elbv2Model:
    """Mixed into ``StrictAws`` (before ``S3Model``: both watch AddPermission)."""

    delays: Any
    _elb_grants: dict[tuple[str, str], int]

    def _after_lambda_AddPermission(self, client: Any, params: dict[str, Any], response: Any) -> Any:
        if params.get("Principal") == PRINCIPAL:
            key = (function_name(params["FunctionName"]), str(params.get("Qualifier") or ""))
            self._elb_grants[key] = self.delays.elb_permission_attempts
        return super()._after_lambda_AddPermission(client, params, response)  # type: ignore[misc]

    def _elbv2_RegisterTargets(self, client: Any, params: dict[str, Any]) -> tuple[bool, Any]:
        group_arn = params["TargetGroupArn"]
        groups = self._raw(client, "DescribeTargetGroups", {"TargetGroupArns": [group_arn]})["TargetGroups"]
        if not groups or groups[0].get("TargetType") != "lambda":
            return False, None
        targets = params.get("Targets") or []
        registered = self._raw(client, "DescribeTargetHealth", {"TargetGroupArn": group_arn})
        ids = {t["Target"]["Id"] for t in registered.get("TargetHealthDescriptions") or []}
        if len(ids | {t["Id"] for t in targets}) > 1:
            raise self._error(
                client,
                "RegisterTargets",
                "ValidationError",
                "A target group with target type 'lambda' can have only one target",
            )
        for target in targets:
            self._check_lambda_target(client, str(target["Id"]), group_arn)
        return False, None

    def _check_lambda_target(self, client: Any, arn: str, group_arn: str) -> None:
        import boto3

        match = FUNCTION_STATE_ARN.match(arn)
        invalid = self._error(
            client,
            "RegisterTargets",
            "InvalidTarget",
            "The specified target does not exist, is not in the same VPC as the target group, "
            "or has an unsupported instance type",
        )
        if match is None:
            raise invalid
        name, qualifier = match.group(1), match.group(2) or ""
        lam = boto3.client("lambda", region_name=arn.split(":")[3])
        params = {"FunctionName": name, **({"Qualifier": qualifier} if qualifier else {})}
        try:
            self._raw(lam, "GetFunction", params)
        except Exception:
            raise invalid from None
        try:
            policy = json.loads(self._raw(lam, "GetPolicy", params)["Policy"])
        except Exception:
            policy = {}
        denied = self._error(
            client,
            "RegisterTargets",
            "AccessDenied",
            f"elasticloadbalancing principal does not have permission to invoke {arn} from target group {group_arn}",
            403,
        )
        for statement in policy.get("Statement") or []:
            principal = statement.get("Principal") or {}
            service = principal.get("Service") if isinstance(principal, dict) else principal
            condition = statement.get("Condition") or {}
            source = (condition.get("ArnLike") or condition.get("ArnEquals") or {}).get("AWS:SourceArn")
            if service == PRINCIPAL and source in (group_arn, None):
                key = (name, qualifier)
                if self._elb_grants.get(key, 0) > 0:
                    self._elb_grants[key] -= 1
                    raise denied
                return
        raise denied

    def _elbv2_CreateLoadBalancer(self, client: Any, params: dict[str, Any]) -> tuple[bool, Any]:
        if (params.get("Type") or "application") != "application":
            return False, None
        subnets = list(params.get("Subnets") or []) + [m["SubnetId"] for m in params.get("SubnetMappings") or []]
        zones: set[str] = set()
        if subnets:
            import boto3

            ec2 = boto3.client("ec2", region_name=client.meta.region_name)
            found = self._raw(ec2, "DescribeSubnets", {"SubnetIds": subnets})["Subnets"]
            zones = {s["AvailabilityZone"] for s in found}
        if len(zones) < 2:
            raise self._error(
                client,
                "CreateLoadBalancer",
                "ValidationError",
                "At least two subnets in two different Availability Zones must be specified",
            )
        return False, None

    def _elbv2_CreateListener(self, client: Any, params: dict[str, Any]) -> tuple[bool, Any]:
        self._check_certificate(client, "CreateListener", params)
        self._check_association(client, "CreateListener", params["LoadBalancerArn"], params.get("DefaultActions"))
        return False, None

    def _elbv2_ModifyListener(self, client: Any, params: dict[str, Any]) -> tuple[bool, Any]:
        self._check_certificate(client, "ModifyListener", params)
        listener = self._raw(client, "DescribeListeners", {"ListenerArns": [params["ListenerArn"]]})["Listeners"][0]
        self._check_association(client, "ModifyListener", listener["LoadBalancerArn"], params.get("DefaultActions"))
        return False, None

    def _elbv2_CreateRule(self, client: Any, params: dict[str, Any]) -> tuple[bool, Any]:
        listener = self._raw(client, "DescribeListeners", {"ListenerArns": [params["ListenerArn"]]})["Listeners"][0]
        self._check_association(client, "CreateRule", listener["LoadBalancerArn"], params.get("Actions"))
        return False, None

    def _elbv2_ModifyRule(self, client: Any, params: dict[str, Any]) -> tuple[bool, Any]:
        # listener-rule/app/<lb>/<id>/<listener id>/<rule id>: the balancer is in the ARN
        balancer = params["RuleArn"].replace(":listener-rule/", ":loadbalancer/").rsplit("/", 2)[0]
        self._check_association(client, "ModifyRule", balancer, params.get("Actions"))
        return False, None

    def _after_elbv2_DescribeTargetGroups(self, client: Any, params: dict[str, Any], response: Any) -> Any:
        for group in response.get("TargetGroups") or []:
            group["LoadBalancerArns"] = sorted(self._forwarding_balancers(client, group["TargetGroupArn"]))
        return response

    def _forwarding_balancers(self, client: Any, group_arn: str) -> set[str]:
        """The load balancers with a listener or rule forwarding to ``group_arn`` now."""
        found: set[str] = set()
        for balancer in self._raw(client, "DescribeLoadBalancers", {})["LoadBalancers"]:
            arn = balancer["LoadBalancerArn"]
            for listener in self._raw(client, "DescribeListeners", {"LoadBalancerArn": arn})["Listeners"]:
                actions = list(listener.get("DefaultActions") or [])
                rules = self._raw(client, "DescribeRules", {"ListenerArn": listener["ListenerArn"]})["Rules"]
                for rule in rules:
                    actions += rule.get("Actions") or []
                if group_arn in _forwarded_groups(actions):
                    found.add(arn)
        return found

    def _check_association(self, client: Any, operation: str, balancer_arn: str, actions: Any) -> None:
        for group_arn in _forwarded_groups(actions):
            if self._forwarding_balancers(client, group_arn) - {balancer_arn}:
                raise self._error(
                    client,
                    operation,
                    "TargetGroupAssociationLimit",
                    f"The following target groups cannot be associated with more than one load balancer: {group_arn}",
                )

    def _check_certificate(self, client: Any, operation: str, params: dict[str, Any]) -> None:
        if params.get("Protocol") == "HTTPS" and not params.get("Certificates"):
            raise self._error(
                client, operation, "CertificateNotFound", "A certificate must be specified for HTTPS listeners"
            )


def _forwarded_groups(actions: Any) -> set[str]:
    found: set[str] = set()
    for action in actions or []:
        if action.get("Type") != "forward":
            continue
        if action.get("TargetGroupArn"):
            found.add(str(action["TargetGroupArn"]))
        for group in (action.get("ForwardConfig") or {}).get("TargetGroups") or []:
            found.add(str(group["TargetGroupArn"]))
    return found
