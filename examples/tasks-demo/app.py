"""A Flask app that starts slow work as a task and answers 202 at once.

POST /digest {"text": ..., "rounds": ...} -> 202 {"task": id, "result": "/digest/<id>"}
GET  /digest/<id>                         -> 200 the result, or 202 while it runs
POST /announce {"message": ...}           -> 202 (fire and forget; see lw logs)

Deployed, each task runs in another invocation of the same function; under ``flask run``
(no provider) it runs in the request, or in a thread with ``LW_TASKS=thread``.
"""

from __future__ import annotations

from flask import Flask, jsonify, request

import lw.tasks
from work import announce, digest

app = Flask(__name__)


@app.post("/digest")
def start_digest():
    body = request.get_json(silent=True) or {}
    text = body.get("text")
    if not isinstance(text, str):
        return jsonify(error="send {'text': '...'}"), 400
    rounds = body.get("rounds", 1000)
    if not isinstance(rounds, int) or not 1 <= rounds <= 1_000_000:
        return jsonify(error="rounds must be an integer from 1 to 1000000"), 400
    handle = digest(text, rounds=rounds)
    return jsonify(task=handle, result=f"/digest/{handle}"), 202


@app.get("/digest/<task_id>")
def read_digest(task_id: str):
    try:
        value = lw.tasks.result(task_id, wait=float(request.args.get("wait", 0)))
    except lw.tasks.TaskPending:
        return jsonify(task=task_id, status="running"), 202
    except lw.tasks.TaskFailed as exc:
        return jsonify(task=task_id, status="failed", error=str(exc)), 500
    except ValueError:
        return jsonify(error="not a task id"), 404
    return jsonify(task=task_id, status="complete", result=value)


@app.post("/announce")
def start_announce():
    message = (request.get_json(silent=True) or {}).get("message", "hello")
    announce(str(message))
    return jsonify(status="started"), 202
