"""collectstatic at package time (issue 17): into lw's build folder, shipped at
STATIC_ROOT's place in the package; notes, never a silent skip, when it cannot run."""

from __future__ import annotations

import sysconfig
import textwrap
from pathlib import Path

import pytest

from lw.core.errors import PackagingError
from lw.core.packaging import django_static

pytest.importorskip("django")
SITE_PACKAGES = Path(sysconfig.get_paths()["purelib"])  # stands in for the installed dependencies


def _project(root: Path, extra: str = "") -> Path:
    project = root / "proj"
    (project / "mysite" / "static").mkdir(parents=True)
    (project / "mysite" / "__init__.py").write_text("")
    (project / "mysite" / "static" / "app.css").write_text("body { font-family: serif }")
    (project / "mysite" / "settings.py").write_text(
        textwrap.dedent(
            """\
            import os
            from pathlib import Path
            BASE_DIR = Path(__file__).resolve().parent.parent
            SECRET_KEY = os.environ["SECRET"]  # from the stage's environment_variables
            INSTALLED_APPS = ["django.contrib.staticfiles"]
            STATIC_URL = "/static/"
            STATICFILES_DIRS = [BASE_DIR / "mysite" / "static"]
            STATIC_ROOT = BASE_DIR / "collected"
            """
        )
        + extra
    )
    return project


def _collect(project: Path, work: Path, **env: str) -> django_static.Collected:
    sources = {p.relative_to(project).as_posix(): p for p in project.rglob("*") if p.is_file()}
    return django_static.collect(project, SITE_PACKAGES, work, "mysite.settings", sources, {"SECRET": "x", **env})


def test_static_files_are_collected_into_the_package_not_the_project(tmp_path: Path) -> None:
    project = _project(tmp_path)
    found = _collect(project, tmp_path / "work")
    assert found.files["collected/app.css"].read_text() == "body { font-family: serif }"
    assert found.notes == ["collectstatic: 1 static files packaged at collected/ (STATIC_ROOT)"]
    assert not (project / "collected").exists()
    # unchanged sources: the collection is reused, the child interpreter not started
    (tmp_path / "work" / "static" / "collected" / "app.css").write_text("kept")
    assert _collect(project, tmp_path / "work").files["collected/app.css"].read_text() == "kept"


@pytest.mark.parametrize(
    ("extra", "note"),
    [
        (
            'STORAGES = {"staticfiles": {"BACKEND": "mysite.remote.Bucket"}}\n',
            "storage mysite.remote.Bucket is remote; run `lw manage collectstatic --noinput` after the deploy",
        ),
        ('STATIC_ROOT = "/srv/static"\n', "STATIC_ROOT /srv/static is outside the project"),
        ('raise RuntimeError("needs the database URL")\n', "the settings do not import at build time"),
    ],
)
def test_what_cannot_be_collected_is_said(tmp_path: Path, extra: str, note: str | None) -> None:
    project = _project(tmp_path, extra)
    (project / "mysite" / "remote.py").write_text(
        "from django.core.files.storage import Storage\nclass Bucket(Storage):\n    pass\n"
    )
    found = _collect(project, tmp_path / "work")
    assert found.files == {}
    assert (note is None and found.notes == []) or (len(found.notes) == 1 and note in found.notes[0])


def test_a_failing_collectstatic_stops_the_build(tmp_path: Path) -> None:
    project = _project(
        tmp_path, 'STATICFILES_DIRS = [BASE_DIR / "missing"]\nSTATICFILES_FINDERS = ["no.such.Finder"]\n'
    )
    with pytest.raises(PackagingError, match=r"collectstatic \(mysite.settings\) failed while packaging: .*"):
        _collect(project, tmp_path / "work")
