"""What the printed URLs mean when ``AWS_ENDPOINT_URL`` points lw at an emulator.

API Gateway and Function URLs are reported in AWS's public form
(``https://<id>.execute-api.<region>.amazonaws.com/<stage>/``). An emulator such as
moto or LocalStack accepts the control-plane calls but does not serve those hosts, so
a URL printed without a word would send the user to a name that does not resolve or
to real AWS. lw keeps stdout to the URLs alone (scripts read it) and says so on the
side: ``urls_note`` in the deploy's outputs (``lw deploy`` prints it on stderr once it
succeeded) and in ``lw status``.
"""

from __future__ import annotations

import os

# The services whose URLs lw prints; each can have its own endpoint variable.
_URL_SERVICES = ("APIGATEWAY", "APIGATEWAYV2", "LAMBDA")


def custom_endpoint() -> str | None:
    """The endpoint that replaces AWS for the services whose URLs lw prints."""
    for service in _URL_SERVICES:
        value = os.environ.get(f"AWS_ENDPOINT_URL_{service}")
        if value:
            return value
    return os.environ.get("AWS_ENDPOINT_URL") or None


def url_note() -> str | None:
    """A one-line warning that the URLs are AWS's, not the endpoint's, or ``None``."""
    endpoint = custom_endpoint()
    if not endpoint:
        return None
    return (
        f"AWS_ENDPOINT_URL is set ({endpoint}): the URLs shown are the public AWS form, "
        "which that endpoint does not serve under those names"
    )
