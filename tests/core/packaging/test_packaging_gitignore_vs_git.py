"""The gitignore matcher agrees with git itself (``git check-ignore``).

A differential test: random pattern lists and file trees are checked by both. git is
the reference, so these tests are skipped, with the reason shown, only where git is
not installed.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lw.core.packaging.gitignore import GitIgnore

GIT = shutil.which("git")
pytestmark = pytest.mark.skipif(GIT is None, reason="git is not installed: no reference implementation")

DIRS = ["a", "b", "ab"]
FILES = ["a.py", "b.txt", "ab.py"]
SEGMENTS = ["a", "b", "ab", "*", "**", "?", "a*", "*.py", "[ab]", "[!a]*", "b.txt"]


def git_ignored(patterns: list[str], files: list[str]) -> set[str]:
    with tempfile.TemporaryDirectory(prefix="lw-gitignore-") as folder:
        root = Path(folder)
        subprocess.run([GIT, "init", "-q", str(root)], check=True)
        (root / ".gitignore").write_text("\n".join(patterns) + "\n")
        for rel in files:
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text("")
        out = subprocess.run(
            [GIT, "-C", str(root), "check-ignore", "--no-index", "--stdin"],
            input="\n".join(files) + "\n",
            capture_output=True,
            text=True,
            check=False,
        )
        assert out.returncode in (0, 1), out.stderr
        return set(out.stdout.split())


patterns_strategy = st.lists(
    st.builds(
        lambda neg, lead, segs, trail: (
            ("!" if neg else "") + ("/" if lead else "") + "/".join(segs) + ("/" if trail else "")
        ),
        st.booleans(),
        st.booleans(),
        st.lists(st.sampled_from(SEGMENTS), min_size=1, max_size=3),
        st.booleans(),
    ),
    min_size=1,
    max_size=4,
)
files_strategy = st.lists(
    st.builds(
        lambda dirs, name: "/".join([*dirs, name]), st.lists(st.sampled_from(DIRS), max_size=3), st.sampled_from(FILES)
    ),
    min_size=1,
    max_size=8,
    unique=True,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(patterns=patterns_strategy, files=files_strategy)
def test_random_patterns_agree_with_git(patterns: list[str], files: list[str]) -> None:
    matcher = GitIgnore(patterns)
    ours = {f for f in files if matcher.matches(f)}
    assert ours == git_ignored(patterns, files), patterns


@pytest.mark.parametrize(
    "patterns",
    [
        ["foo/bar.py"],
        ["setup.py"],
        ["/a/", "!a/b.txt"],
        ["a/*", "!a/b.txt"],
        ["**/ab/a.py"],
        ["a/**", "!a/ab.py"],
        ["*.py", "!/ab.py"],
        ["b/", "a/**/b.txt"],
    ],
)
def test_curated_patterns_agree_with_git(patterns: list[str]) -> None:
    files = [
        "a.py",
        "ab.py",
        "b.txt",
        "a/b.txt",
        "a/ab.py",
        "a/b/b.txt",
        "b/a.py",
        "ab/a.py",
        "x/ab/a.py",
        "foo/bar.py",
        "x/foo/bar.py",
        "setup.py",
        "pkg/setup.py",
    ]
    matcher = GitIgnore(patterns)
    assert {f for f in files if matcher.matches(f)} == git_ignored(patterns, files)
