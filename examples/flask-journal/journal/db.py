"""One SQLite connection per request, and ``flask init-db`` to create the schema."""

from __future__ import annotations

import sqlite3

import click
from flask import Flask, current_app, g

SCHEMA = """
DROP TABLE IF EXISTS entry;
DROP TABLE IF EXISTS writer;
CREATE TABLE writer (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT UNIQUE NOT NULL,
  password_hash TEXT NOT NULL
);
CREATE TABLE entry (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  writer_id INTEGER NOT NULL REFERENCES writer (id),
  written TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  headline TEXT NOT NULL,
  text TEXT NOT NULL
);
"""


def connection() -> sqlite3.Connection:
    if "db" not in g:
        g.db = sqlite3.connect(current_app.config["DATABASE"], detect_types=sqlite3.PARSE_DECLTYPES)
        g.db.row_factory = sqlite3.Row
    return g.db


def close(_error: BaseException | None = None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.close()


def create_schema() -> None:
    connection().executescript(SCHEMA)


@click.command("init-db")
def init_db_command() -> None:
    """Drop and create the tables."""
    create_schema()
    click.echo(f"created the journal's tables in {current_app.config['DATABASE']}")


@click.command("count-entries")
def count_entries_command() -> None:
    """Print how many entries there are."""
    total = connection().execute("SELECT COUNT(*) FROM entry").fetchone()[0]
    click.echo(f"{total} entries")


def init_app(app: Flask) -> None:
    app.teardown_appcontext(close)
    app.cli.add_command(init_db_command)
    app.cli.add_command(count_entries_command)
