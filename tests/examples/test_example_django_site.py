"""examples/django-site: admin, static files and management commands, run locally."""

from __future__ import annotations

import json

from localrun import EXAMPLES, copy_project


def test_django_site_admin_static_and_manage(tmp_path, deployment_of):
    project = copy_project(EXAMPLES / "django-site", tmp_path / "django-site")
    deployment = deployment_of(project, DJANGO_DB_PATH=str(tmp_path / "db.sqlite3"))
    result = deployment.deploy()
    assert result.returncode == 0, result.stderr

    migrate = deployment.lw("manage", "migrate", "--noinput")
    assert migrate.returncode == 0, migrate.stderr
    assert "Applying notes.0001_initial... OK" in migrate.stdout
    seeded = deployment.lw("manage", "seed_notes", "--count", "2")
    assert "created 2 notes" in seeded.stdout

    assert deployment.get("/").json() == {"notes": [{"id": 1, "title": "Note 1"}, {"id": 2, "title": "Note 2"}]}
    assert deployment.get("/notes/9").status == 404

    login = deployment.get("/admin/login/")
    assert login.status == 200 and b"csrfmiddlewaretoken" in login.body
    assert any("csrftoken=" in c for c in login.all("Set-Cookie"))
    redirected = deployment.get("/admin/")  # not logged in: urllib follows the redirect to the login page
    assert redirected.status == 200 and b"id_username" in redirected.body

    css = deployment.get("/static/site.css")
    assert css.status == 200 and css.header("Content-Type").startswith("text/css")
    assert b"font-family" in css.body
    assert deployment.get("/static/admin/css/base.css").status == 200  # the admin's own static files
    assert json.loads(deployment.lw("status", "--json").stdout)["deployed"] is True
