"""examples/flask-journal: an app factory with SQLite and sessions, from `lw init` to a
logged-in browser session, on the first local deploy (issue 17)."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).parent))

from browser import Browser  # noqa: E402
from localrun import EXAMPLES, copy_project, run_lw  # noqa: E402

# What docs/flask.md tells a user to add to the lw.yml that `lw init` wrote.
GUIDE_ADDITIONS = {"local": {"concurrency": 1}, "manage_commands": ["init-db", "count-entries"]}


def test_from_lw_init_to_a_logged_in_writer(tmp_path, deployment_of, lw_env):
    project = copy_project(EXAMPLES / "flask-journal", tmp_path / "flask-journal")
    (project / "lw.yml").unlink()
    (project / "lw_app.py").unlink()
    init = run_lw(project, "init", "--yes", env=lw_env)
    assert init.returncode == 0, init.stderr
    config = yaml.safe_load((project / "lw.yml").read_text())
    assert config["dev"]["app_function"] == "lw_app.app"
    assert "create_app()" in (project / "lw_app.py").read_text()
    config["dev"].update(GUIDE_ADDITIONS)
    (project / "lw.yml").write_text(yaml.safe_dump(config))
    (project / "db.sqlite3").write_bytes(b"SQLite format 3\0")  # a dev leftover, git-ignored

    deployment = deployment_of(project)
    deployed = deployment.deploy()
    # The app imports, so this is a deploy; GET / needs the tables: a warning, with why.
    assert deployed.returncode == 0, deployed.stderr
    assert "warning:" in deployed.stderr and "no such table: entry" in deployed.stderr
    assert "health_check_path" in deployed.stderr
    assert "not packaged: 1 git-ignored path (db.sqlite3)" in deployed.stderr + deployed.stdout

    created = deployment.lw("manage", "init-db")
    assert created.returncode == 0, created.stderr
    assert created.stdout.startswith("created the journal's tables in ")
    assert "\\n" not in created.stdout and "{" not in created.stdout  # plain text, not a JSON document

    browser = Browser(deployment.url)
    home = browser.get("/")
    assert home.status == 200 and "Nothing written yet." in home.text
    css = browser.get("/static/journal.css")
    assert css.status == 200 and css.headers["Content-Type"].startswith("text/css") and b"font-family" in css.body

    signup = browser.get("/auth/signup")
    token = signup.hidden("csrf_token")
    forged = browser.post("/auth/signup", {"name": "ada", "password": "correct horse"})
    assert forged.status == 400  # no CSRF token
    joined = browser.post("/auth/signup", {"csrf_token": token, "name": "ada", "password": "correct horse"})
    assert joined.status == 200 and joined.url.endswith("/auth/login")

    login = browser.get("/auth/login")
    wrong = browser.post("/auth/login", {"csrf_token": login.hidden("csrf_token"), "name": "ada", "password": "nope"})
    assert "wrong name or password" in wrong.text
    logged_in = browser.post("/auth/login", {"csrf_token": login.hidden("csrf_token"), "name": "ada",
                                             "password": "correct horse"})
    assert logged_in.status == 200 and '<span class="who">ada</span>' in logged_in.text
    assert browser.cookie("session")

    form = browser.get("/write")
    saved = browser.post("/write", {"csrf_token": form.hidden("csrf_token"), "headline": "First day",
                                    "text": "Deployed on the first try."})
    assert saved.status == 200 and "First day" in saved.text and "by ada" in saved.text

    counted = deployment.lw("manage", "count-entries")
    assert counted.returncode == 0 and counted.stdout.strip() == "1 entries"
    as_json = deployment.lw("manage", "count-entries", "--json")
    assert as_json.returncode == 0 and '"output": "1 entries\\n"' in as_json.stdout

    out = browser.post("/auth/logout", {"csrf_token": browser.get("/").hidden("csrf_token")})
    assert out.status == 200 and "Log in" in out.text

    unknown = deployment.lw("manage", "no-such-command")
    assert unknown.returncode == 1
    # refused by the stage's manage_commands before any lookup, naming what it allows
    assert "'no-such-command' is not in this stage's manage_commands" in unknown.stderr and "init-db" in unknown.stderr
