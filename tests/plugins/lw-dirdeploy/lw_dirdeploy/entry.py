"""dirdeploy's entry module, shipped at the package root as ``dirdeploy_entry.py``.

A "function" deployed by dirdeploy is this file run with one JSON message on stdin:
``{"http": {...}}`` for a request, ``{"lw_command": {...}}`` for ``lw invoke``, or an
event ``{"binding": name, "payload": ...}``. It speaks only to ``lw.runtime.api``, the
public runtime API, which does what every lw runtime does (settings, app import,
WSGI/ASGI, logging, CORS, commands). Dependencies live in ``site-packages/``, the
folder the provider's ``PackageTarget`` names.
"""

import base64
import json
import os
import sys

_ROOT = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(_ROOT, "site-packages"))
sys.path.insert(0, _ROOT)

from lw.runtime.api import HttpRequest, load  # noqa: E402

runtime = load(os.path.join(_ROOT, "lw_settings.json"))


def main(message):
    """Answer one message (see the module docs) with a JSON-serialisable value."""
    if "lw_command" in message:
        return runtime.handle_command(message["lw_command"])
    if "binding" in message:
        return {"result": runtime.handle_event(message["binding"], message.get("payload"))}
    http = message.get("http") or {}
    response = runtime.handle_http(
        HttpRequest(
            http.get("method", "GET"),
            http.get("path", "/"),
            query_string=http.get("query", ""),
            headers=[(str(k), str(v)) for k, v in http.get("headers", [])],
            body=base64.b64decode(http.get("body", "")),
            remote_addr="127.0.0.1",
            event=message,
        )
    )
    body, is_base64 = response.body_text()
    return {"status": response.status, "headers": response.headers, "body": body, "base64": is_base64}


if __name__ == "__main__":
    print(json.dumps(main(json.loads(sys.stdin.read() or "{}")), default=str))
