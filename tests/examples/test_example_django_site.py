"""examples/django-site: from `lw init` to an admin session, static files and management
commands, run locally."""

from __future__ import annotations

import json

from localrun import EXAMPLES, copy_project


def test_admin_login_from_a_browser_after_lw_init(tmp_path, deployment_of, lw_env):
    """Issue 17, item 1: the admin's login form (CSRF cookie, token and the Origin check
    a browser triggers) works on the local URL, which is http, as under runserver."""
    import sys
    from pathlib import Path

    import yaml

    from localrun import run_lw

    sys.path.insert(0, str(Path(__file__).parent))
    from browser import Browser

    project = copy_project(EXAMPLES / "django-site", tmp_path / "django-site")
    (project / "lw.yml").unlink()
    init = run_lw(project, "init", "--yes", env=lw_env)
    assert init.returncode == 0, init.stderr
    config = yaml.safe_load((project / "lw.yml").read_text())
    assert config["dev"]["django_settings"] == "mysite.settings"
    # docs/django.md: the database path and the superuser's password come from the
    # environment; one local worker keeps one SQLite file.
    config["dev"]["environment_variables"] = {"DJANGO_DB_PATH": str(tmp_path / "db.sqlite3"),
                                              "DJANGO_SUPERUSER_PASSWORD": "a long admin password"}
    config["dev"]["local"] = {"concurrency": 1}
    config["dev"]["manage_commands"] = ["migrate", "createsuperuser", "seed_notes"]
    (project / "lw.yml").write_text(yaml.safe_dump(config))

    deployment = deployment_of(project)
    deployed = deployment.deploy()
    assert deployed.returncode == 0, deployed.stderr
    # STATIC_ROOT is set: lw ran collectstatic into the package, not into the project
    assert "collectstatic: " in deployed.stderr + deployed.stdout and "at staticfiles/ (STATIC_ROOT)" in (
        deployed.stderr + deployed.stdout
    )
    assert not (project / "staticfiles").exists()
    port = deployment.url.rstrip("/").rsplit(":", 1)[1]
    assert f"Django: ALLOWED_HOSTS=127.0.0.1 CSRF_TRUSTED_ORIGINS=http://127.0.0.1:{port}" in deployed.stderr
    migrated = deployment.lw("manage", "migrate", "--noinput")
    assert migrated.returncode == 0, migrated.stderr
    assert "Applying auth.0001_initial... OK" in migrated.stdout and not migrated.stdout.startswith("{")
    made = deployment.lw("manage", "createsuperuser", "--noinput", "--username", "admin", "--email", "a@example.com")
    assert made.returncode == 0, made.stderr
    assert "Superuser created successfully." in made.stdout
    seeded = deployment.lw("manage", "seed_notes", "--count", "2")
    assert "created 2 notes" in seeded.stdout
    assert deployment.get("/").json() == {"notes": [{"id": 1, "title": "Note 1"}, {"id": 2, "title": "Note 2"}]}
    assert deployment.get("/notes/9").status == 404

    browser = Browser(deployment.url)
    form = browser.get("/admin/login/?next=/admin/")
    assert form.status == 200 and browser.cookie("csrftoken")
    wrong = browser.post("/admin/login/?next=/admin/", {"csrfmiddlewaretoken": form.hidden("csrfmiddlewaretoken"),
                                                        "username": "admin", "password": "nope", "next": "/admin/"})
    assert wrong.status == 200 and "Please enter the correct username and password" in wrong.text
    form = browser.get("/admin/login/?next=/admin/")
    admin = browser.post("/admin/login/?next=/admin/", {"csrfmiddlewaretoken": form.hidden("csrfmiddlewaretoken"),
                                                        "username": "admin", "password": "a long admin password",
                                                        "next": "/admin/"})
    assert admin.status == 200, admin.text[:500]
    assert admin.url.endswith("/admin/") and "Site administration" in admin.text
    assert browser.cookie("sessionid")
    notes = browser.get("/admin/notes/note/")
    assert notes.status == 200 and "Select note to change" in notes.text
    css = browser.get("/static/admin/css/base.css")  # served from STATIC_ROOT: collected files only
    assert css.status == 200 and css.headers["Content-Type"].startswith("text/css")
    site_css = browser.get("/static/site.css")
    assert site_css.status == 200 and b"font-family" in site_css.body
    assert json.loads(deployment.lw("status", "--json").stdout)["deployed"] is True
