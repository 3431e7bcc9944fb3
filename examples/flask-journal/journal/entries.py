"""The journal itself: everyone reads, writers write."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from journal.auth import login_required
from journal.db import connection

bp = Blueprint("entries", __name__)


@bp.route("/")
def index() -> Any:
    rows = connection().execute(
        "SELECT entry.id, headline, text, written, name FROM entry JOIN writer ON writer.id = entry.writer_id"
        " ORDER BY entry.id DESC").fetchall()
    return render_template("index.html", entries=rows)


@bp.route("/write", methods=("GET", "POST"))
@login_required
def write() -> Any:
    if request.method == "POST":
        headline = request.form.get("headline", "").strip()
        if not headline:
            flash("a headline is needed")
        else:
            db = connection()
            db.execute("INSERT INTO entry (writer_id, headline, text) VALUES (?, ?, ?)",
                       (g.writer["id"], headline, request.form.get("text", "")))
            db.commit()
            return redirect(url_for("index"))
    return render_template("write.html")
