"""A CSRF token per session, checked on every POST: what Flask-WTF would do, in a page."""

from __future__ import annotations

import hmac
import secrets

from flask import Flask, abort, request, session


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def check_csrf() -> None:
    if request.method != "POST":
        return
    sent = request.form.get("csrf_token", "")
    if not hmac.compare_digest(sent.encode(), session.get("csrf", "").encode()):
        abort(400, "the form's CSRF token is missing or wrong: reload the page")


def init_app(app: Flask) -> None:
    app.before_request(check_csrf)
    app.jinja_env.globals["csrf_token"] = csrf_token
