"""A small journal: an application factory, SQLite, sessions, forms with CSRF tokens.

Written the way the Flask docs teach (``create_app``, blueprints, a click command to
create the schema) plus the two changes docs/flask.md asks for a serverless home: the
instance folder (where SQLite lives) moves to the temporary folder, since the code
folder is read-only on Lambda, and ``SECRET_KEY`` comes from the environment, so every
container signs sessions with the same key.
"""

from __future__ import annotations

import os
import tempfile

from flask import Flask


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_path=os.environ.get("JOURNAL_INSTANCE")
                or os.path.join(tempfile.gettempdir(), "journal-instance"))
    app.config.from_mapping(
        SECRET_KEY=os.environ.get("SECRET_KEY", "dev-only-not-secret"),
        DATABASE=os.path.join(app.instance_path, "journal.sqlite3"),
    )
    if test_config:
        app.config.update(test_config)
    os.makedirs(app.instance_path, exist_ok=True)

    from journal import auth, db, entries, security

    db.init_app(app)
    security.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(entries.bp)
    app.add_url_rule("/", endpoint="index")
    return app
