"""Lambda image functions and ECR as AWS behaves (moto accepts far more).

moto creates an image function from any ``ImageUri`` string (it stubs ECR unless told
otherwise), lets Handler, Runtime and Layers ride along, switches a function's
package type on UpdateFunctionCode, and reports ``CodeSha256`` as the hash of the URI
text. AWS refuses all of that, with the messages below, and reports the image's
digest. The image store behind ECR is either a real registry (``serve_ecr_from``: the
test's local registry stands in for ECR's data plane, ``GetAuthorizationToken`` then
points at it) or, without one, the digests and tags ``ecr_pushed`` records.

Rules (Lambda API reference, CreateFunction/UpdateFunctionCode; the messages as AWS
words them):

* ``PackageType: Image`` with Handler, Runtime or Layers -> "Please don't provide
  Handler or Runtime or Layer when the intended function PackageType is Image."
  (UpdateFunctionConfiguration of an image function too).
* Zip without Runtime and Handler -> "Runtime and Handler are mandatory parameters for
  functions created with deployment packages."; Zip with an ImageUri, or Image without
  one -> "Please provide a source for function code." / "Please don't provide ImageUri
  when the intended function PackageType is Zip."
* UpdateFunctionCode cannot change the package type.
* ``ImageUri`` must be an ECR image of this account in the function's region, in an
  existing repository, whose tag or digest exists.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from .wire import function_name

_ECR_URI = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com/"
    r"(?P<repo>[a-z0-9][a-z0-9._/-]*)(?::(?P<tag>[\w][\w.-]{0,127})|@(?P<digest>sha256:[0-9a-f]{64}))$"
)
ACCOUNT = "123456789012"
ZIP_ONLY = ("Handler", "Runtime", "Layers")
MANIFEST_TYPES = ", ".join(
    (
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
    )
)


class ImageModel:
    """Mixed into ``StrictAws``; ``_images_before``/``_images_after`` run on every call."""

    ecr_registry: str | None
    ecr_pushed: dict[str, dict[str, list[str]]]
    _package_types: dict[tuple[str, str], str]
    _image_sha: dict[str, str]

    def serve_ecr_from(self, registry_url: str) -> None:
        """ECR's data plane is the registry at ``registry_url`` (``http://127.0.0.1:port``)."""
        self.ecr_registry = registry_url.rstrip("/")

    # ------------------------------------------------------------------ the image store

    def _manifest_digest(self, repo: str, reference: str) -> str | None:
        if self.ecr_registry is None:
            for digest, tags in (self.ecr_pushed.get(repo) or {}).items():
                if reference == digest or reference in tags:
                    return digest
            return None
        import requests

        answer = requests.head(
            f"{self.ecr_registry}/v2/{repo}/manifests/{reference}", headers={"Accept": MANIFEST_TYPES}, timeout=10
        )
        if answer.status_code != 200:
            return None
        return str(answer.headers.get("Docker-Content-Digest") or reference)

    def _registry_images(self, repo: str) -> dict[str, list[str]]:
        """digest -> tags, from the data plane."""
        if self.ecr_registry is None:
            return {digest: list(tags) for digest, tags in (self.ecr_pushed.get(repo) or {}).items()}
        import requests

        listing = requests.get(f"{self.ecr_registry}/v2/{repo}/tags/list", timeout=10)
        images: dict[str, list[str]] = {}
        if listing.status_code != 200:
            return images
        for tag in listing.json().get("tags") or []:
            digest = self._manifest_digest(repo, tag)
            if digest:
                images.setdefault(digest, []).append(tag)
        return images

    def _delete_image(self, repo: str, digest: str) -> None:
        if self.ecr_registry is None:
            (self.ecr_pushed.get(repo) or {}).pop(digest, None)
            return
        import requests

        answer = requests.delete(f"{self.ecr_registry}/v2/{repo}/manifests/{digest}", timeout=10)
        assert answer.status_code in (202, 404), f"registry refused DELETE of {repo}@{digest}: {answer.status_code}"

    # ------------------------------------------------------------------ checks

    def _check_image_uri(self, client: Any, operation: str, uri: str) -> None:
        region = client.meta.region_name
        match = _ECR_URI.match(uri)
        if not match:
            raise self._error(  # type: ignore[attr-defined]
                client,
                operation,
                "InvalidParameterValueException",
                f"Source image {uri} is not valid. Provide a valid source image.",
            )
        if match["account"] != ACCOUNT or match["region"] != region:
            raise self._error(  # type: ignore[attr-defined]
                client,
                operation,
                "InvalidParameterValueException",
                f"Source image {uri} must be in the same account and region as the function "
                "[strict layer: cross-account images need a repository policy lw does not set]",
            )
        repo = match["repo"]
        ecr = self._ecr_client(client)
        try:
            self._raw(ecr, "DescribeRepositories", {"repositoryNames": [repo]})  # type: ignore[attr-defined]
        except Exception:
            raise self._error(  # type: ignore[attr-defined]
                client,
                operation,
                "InvalidParameterValueException",
                f"Source image {uri} does not exist. Provide a valid source image.",
            ) from None
        if self._manifest_digest(repo, match["digest"] or match["tag"]) is None:
            raise self._error(  # type: ignore[attr-defined]
                client,
                operation,
                "InvalidParameterValueException",
                f"Source image {uri} does not exist. Provide a valid source image.",
            )

    def _ecr_client(self, client: Any) -> Any:
        import boto3

        return boto3.client(
            "ecr",
            region_name=client.meta.region_name,
            endpoint_url=client.meta.endpoint_url,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def _refuse(self, client: Any, operation: str, message: str) -> None:
        raise self._error(client, operation, "InvalidParameterValueException", message)  # type: ignore[attr-defined]

    def _images_before(self, client: Any, service: str, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        if service != "lambda":
            return params
        key = (client.meta.region_name, function_name(str(params.get("FunctionName") or "")))
        if operation == "CreateFunction":
            package = params.get("PackageType") or "Zip"
            code = params.get("Code") or {}
            if package == "Image":
                if any(params.get(k) for k in ZIP_ONLY):
                    self._refuse(
                        client,
                        operation,
                        "Please don't provide Handler or Runtime or Layer when the intended function "
                        "PackageType is Image.",
                    )
                if not code.get("ImageUri"):
                    self._refuse(client, operation, "Please provide a source for function code.")
                self._check_image_uri(client, operation, str(code["ImageUri"]))
            else:
                if code.get("ImageUri"):
                    self._refuse(
                        client,
                        operation,
                        "Please don't provide ImageUri when the intended function PackageType is Zip.",
                    )
                if not params.get("Runtime") or not params.get("Handler"):
                    self._refuse(
                        client,
                        operation,
                        "Runtime and Handler are mandatory parameters for functions created with deployment packages.",
                    )
        elif operation == "UpdateFunctionCode":
            package = self._package_type(client, key)
            if package == "Image" and not params.get("ImageUri"):
                self._refuse(
                    client, operation, "Please provide ImageUri when updating a function with packageType Image."
                )
            if package == "Zip" and params.get("ImageUri"):
                self._refuse(
                    client, operation, "Please don't provide ImageUri when updating a function with packageType Zip."
                )
            if params.get("ImageUri"):
                self._check_image_uri(client, operation, str(params["ImageUri"]))
        elif operation == "UpdateFunctionConfiguration":
            if self._package_type(client, key) == "Image" and any(params.get(k) for k in ZIP_ONLY):
                self._refuse(
                    client,
                    operation,
                    "Please don't provide Handler or Runtime or Layer when the intended function PackageType is Image.",
                )
        elif operation == "PublishVersion" and params.get("CodeSha256"):
            # lw sends AWS's CodeSha256 (the digest); moto checks its own stub value.
            moto_sha = {v: k for k, v in self._image_sha.items()}.get(str(params["CodeSha256"]))
            if moto_sha:
                params = {**params, "CodeSha256": moto_sha}
        return params

    def _package_type(self, client: Any, key: tuple[str, str]) -> str:
        if key not in self._package_types:
            found = self._raw(client, "GetFunctionConfiguration", {"FunctionName": key[1]})  # type: ignore[attr-defined]
            self._package_types[key] = str(found.get("PackageType") or "Zip")
        return self._package_types[key]

    def _images_after(self, client: Any, service: str, operation: str, params: dict[str, Any], response: Any) -> Any:
        if service == "lambda":
            if operation == "CreateFunction":
                key = (client.meta.region_name, function_name(params["FunctionName"]))
                self._package_types[key] = str(params.get("PackageType") or "Zip")
            if operation == "DeleteFunction" and not params.get("Qualifier"):
                self._package_types.pop((client.meta.region_name, function_name(params["FunctionName"])), None)
            uri = params.get("ImageUri") or (params.get("Code") or {}).get("ImageUri")
            if uri and "@" in str(uri):
                stub = hashlib.sha256(str(uri).encode()).hexdigest()
                self._image_sha[stub] = str(uri).rpartition("@sha256:")[2]
            return _rewrite_sha(response, self._image_sha)
        if service == "ecr":
            return self._ecr_after(client, operation, params, response)
        return response

    def _ecr_after(self, client: Any, operation: str, params: dict[str, Any], response: Any) -> Any:
        if operation == "GetAuthorizationToken" and self.ecr_registry:
            for data in response.get("authorizationData") or []:
                data["proxyEndpoint"] = self.ecr_registry
        elif operation == "DeleteRepository" and params.get("force"):
            repo = params["repositoryName"]
            for digest in self._registry_images(repo):
                self._delete_image(repo, digest)
        elif operation == "DescribeImages":
            repo = params["repositoryName"]
            details = [
                {"registryId": ACCOUNT, "repositoryName": repo, "imageDigest": digest, "imageTags": tags}
                for digest, tags in self._registry_images(repo).items()
            ]
            return {**response, "imageDetails": details}
        elif operation == "BatchDeleteImage":
            for image in params.get("imageIds") or []:
                if image.get("imageDigest"):
                    self._delete_image(params["repositoryName"], image["imageDigest"])
        return response


def _rewrite_sha(value: Any, table: dict[str, str]) -> Any:
    """moto's ``CodeSha256`` of an image function (the hash of the URI text) -> AWS's
    (the image digest), wherever it appears in an answer."""
    if isinstance(value, dict):
        return {
            k: (table.get(v, v) if k == "CodeSha256" and isinstance(v, str) else _rewrite_sha(v, table))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_rewrite_sha(v, table) for v in value]
    return value
