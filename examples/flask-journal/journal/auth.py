"""Sign up, log in, log out; the writer's id lives in the signed session cookie."""

from __future__ import annotations

import functools
import sqlite3
from typing import Any, Callable

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from werkzeug.security import check_password_hash, generate_password_hash

from journal.db import connection

bp = Blueprint("auth", __name__, url_prefix="/auth")


@bp.before_app_request
def load_writer() -> None:
    writer_id = session.get("writer_id")
    g.writer = None
    if isinstance(writer_id, int):
        g.writer = connection().execute("SELECT * FROM writer WHERE id = ?", (writer_id,)).fetchone()


def login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def wrapped(**kwargs: Any) -> Any:
        if g.writer is None:
            return redirect(url_for("auth.login"))
        return view(**kwargs)

    return wrapped


@bp.route("/signup", methods=("GET", "POST"))
def signup() -> Any:
    if request.method == "POST":
        name = request.form.get("name", "").strip()
        password = request.form.get("password", "")
        if not name or len(password) < 8:
            flash("a name and a password of 8 characters or more are needed")
        else:
            db = connection()
            try:
                db.execute("INSERT INTO writer (name, password_hash) VALUES (?, ?)",
                           (name, generate_password_hash(password)))
                db.commit()
            except sqlite3.IntegrityError:
                flash(f"the name {name} is taken")
            else:
                return redirect(url_for("auth.login"))
    return render_template("auth.html", action="Sign up")


@bp.route("/login", methods=("GET", "POST"))
def login() -> Any:
    if request.method == "POST":
        writer = connection().execute("SELECT * FROM writer WHERE name = ?",
                                      (request.form.get("name", ""),)).fetchone()
        if writer is None or not check_password_hash(writer["password_hash"], request.form.get("password", "")):
            flash("wrong name or password")
        else:
            token = session.get("csrf")
            session.clear()
            session["writer_id"] = writer["id"]
            if token:
                session["csrf"] = token
            return redirect(url_for("index"))
    return render_template("auth.html", action="Log in")


@bp.post("/logout")
def logout() -> Any:
    session.clear()
    return redirect(url_for("index"))
