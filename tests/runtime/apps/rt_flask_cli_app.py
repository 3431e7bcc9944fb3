"""A Flask app with commands on its CLI, wrapped in a WSGI middleware (as WhiteNoise or
ProxyFix would wrap it): ``lw manage`` must still find ``app.cli``."""

import click
from flask import Flask, current_app

flask_app = Flask("rt_flask_cli_app")


@flask_app.cli.command("init-db")
@click.option("--name", required=True)
def init_db(name):
    click.echo(f"made {name} in {current_app.name}")


@flask_app.cli.command("ask")
def ask():
    click.prompt("which")


class Middleware:
    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


app = Middleware(flask_app)


def plain_wsgi(environ, start_response):
    start_response("200 OK", [])
    return [b""]
