"""Lambda's network interfaces in a VPC: made with the function, released by Lambda some
time after it is deleted, and only while the execution role still exists (Lambda
removes them with the role's ``ec2:DeleteNetworkInterface``). An interface whose role
was deleted first stays behind, "in use", which is what Terraform's wait and lw's
``vpc_release`` exist for (issue #11, finding 11). moto creates no interfaces at all."""

from __future__ import annotations

from typing import Any

from .wire import function_name


class VpcModel:
    """Mixed into ``StrictAws``."""

    delays: Any
    _enis: dict[str, dict[str, Any]]

    def _vpc_function_created(self, client: Any, params: dict[str, Any], response: Any) -> None:
        import boto3

        subnets = (params.get("VpcConfig") or {}).get("SubnetIds") or []
        if not subnets:
            return
        region = client.meta.region_name
        ec2 = boto3.client("ec2", region_name=region)
        name = function_name(params["FunctionName"])
        try:
            created = self._raw(  # type: ignore[attr-defined]
                ec2,
                "CreateNetworkInterface",
                {
                    "SubnetId": subnets[0],
                    "Groups": list((params.get("VpcConfig") or {}).get("SecurityGroupIds") or []),
                    "Description": f"AWS Lambda VPC ENI-{name}-{len(self._enis):08x}",
                },
            )["NetworkInterface"]
        except Exception:  # a made-up subnet id some tests use: moto has nothing to attach to
            return
        self._enis[created["NetworkInterfaceId"]] = {
            "region": region,
            "function": name,
            "role": str(params.get("Role") or "").rsplit("/", 1)[-1],
            "release_at": None,
            "stranded": False,
        }

    def _has_interface(self, client: Any, name: str) -> bool:
        wanted = (client.meta.region_name, function_name(name))
        return any((eni["region"], eni["function"]) == wanted for eni in self._enis.values())

    def _vpc_function_deleted(self, client: Any, name: str) -> None:
        for eni in self._enis.values():
            if eni["region"] == client.meta.region_name and eni["function"] == name and eni["release_at"] is None:
                eni["release_at"] = self._now() + self.delays.eni_release  # type: ignore[attr-defined]

    def _iam_DeleteRole(self, client: Any, params: dict[str, Any]) -> tuple[bool, Any]:
        for eni in self._enis.values():
            if eni["role"] == params["RoleName"] and not eni["stranded"]:
                eni["stranded"] = True  # Lambda can no longer delete it: it stays, in use
        return False, None

    def _finish_due_enis(self) -> None:
        import boto3

        now = self._now()  # type: ignore[attr-defined]
        for eni_id, eni in list(self._enis.items()):
            if eni["stranded"] or eni["release_at"] is None or now < eni["release_at"]:
                continue
            ec2 = boto3.client("ec2", region_name=eni["region"])
            self._raw(ec2, "DeleteNetworkInterface", {"NetworkInterfaceId": eni_id})  # type: ignore[attr-defined]
            del self._enis[eni_id]

    def stranded_interfaces(self) -> list[str]:
        """Interfaces Lambda could not remove because their role was deleted first."""
        return [eni_id for eni_id, eni in self._enis.items() if eni["stranded"]]
