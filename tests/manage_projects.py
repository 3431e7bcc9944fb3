"""Two tiny projects whose own commands ``lw manage`` must run on every provider: a Flask
app with click commands on ``app.cli`` and a Django project with a management command.
Each command prints several lines, so a test can tell plain output from a JSON string."""

from __future__ import annotations

from pathlib import Path

FLASK_APP = '''\
import click
from flask import Flask, current_app

app = Flask(__name__)


@app.get("/")
def index():
    return "ok"


@app.cli.command("init-db")
@click.option("--name", default="notes")
def init_db(name):
    """Create the tables (here: just say so)."""
    click.echo(f"created table {name}")
    click.echo(f"in app {current_app.name}")
'''

DJANGO_SETTINGS = """\
SECRET_KEY = "test-only"
INSTALLED_APPS = ["tools"]
DATABASES = {}
ROOT_URLCONF = "site_urls"
USE_TZ = True
"""

DJANGO_URLS = "urlpatterns = []\n"

DJANGO_COMMAND = """\
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Greets, on two lines."

    def add_arguments(self, parser):
        parser.add_argument("who")

    def handle(self, *args, who, **options):
        self.stdout.write(f"hello {who}")
        self.stdout.write("second line")
"""


def flask_project(root: Path, stage_settings: str) -> Path:
    root.mkdir(parents=True)
    (root / "app.py").write_text(FLASK_APP)
    (root / "requirements.txt").write_text("flask>=3.0\n")
    (root / "lw.yml").write_text(
        f"dev:\n  project_name: mflask\n  app_function: app.app\n  manage_commands: [init-db, greet]\n{stage_settings}"
    )
    return root


def django_project(root: Path, stage_settings: str) -> Path:
    root.mkdir(parents=True)
    (root / "site_settings.py").write_text(DJANGO_SETTINGS)
    (root / "site_urls.py").write_text(DJANGO_URLS)
    commands = root / "tools" / "management" / "commands"
    commands.mkdir(parents=True)
    for folder in (root / "tools", root / "tools" / "management", commands):
        (folder / "__init__.py").write_text("")
    (commands / "greet.py").write_text(DJANGO_COMMAND)
    (root / "requirements.txt").write_text("django>=4.2\n")
    (root / "lw.yml").write_text(
        f"dev:\n  project_name: mdjango\n  django_settings: site_settings\n  manage_commands: [migrate, greet]\n{stage_settings}"
    )
    return root


# (project maker, command line, what the command prints), for every provider's test.
CASES = [
    (flask_project, ["init-db", "--name", "posts"], "created table posts\nin app app\n"),
    (django_project, ["greet", "world"], "hello world\nsecond line\n"),
]
