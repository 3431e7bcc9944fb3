"""The gitignore matcher behind ``exclude``, ``include`` and ``.lwignore``."""

from __future__ import annotations

import pytest

from lw.core.packaging.gitignore import GitIgnore


def ignored(patterns: list[str], path: str, is_dir: bool = False) -> bool:
    return GitIgnore(patterns).matches(path, is_dir)


@pytest.mark.parametrize(
    ("path", "expected"),
    [("setup.py", True), ("pkg/setup.py", True), ("a/b/setup.py", True), ("setup.pyc", False)],
)
def test_pattern_without_slash_matches_at_any_depth(path: str, expected: bool) -> None:
    assert ignored(["setup.py"], path) is expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [("foo/bar.py", True), ("x/foo/bar.py", False), ("bar.py", False), ("foo/sub/bar.py", False)],
)
def test_pattern_with_middle_slash_is_anchored_not_a_basename(path: str, expected: bool) -> None:
    # Zappa #692: a pattern naming one path must never remove same-named files elsewhere.
    assert ignored(["foo/bar.py"], path) is expected


def test_leading_slash_anchors_to_root() -> None:
    assert ignored(["/model"], "model", is_dir=True)
    assert ignored(["/model"], "model/x.py")
    assert not ignored(["/model"], "app/model/x.py")
    assert ignored(["model"], "app/model/x.py")


def test_trailing_slash_matches_directories_only() -> None:
    assert ignored(["logs/"], "logs", is_dir=True)
    assert ignored(["logs/"], "app/logs/a.txt")
    assert not ignored(["logs/"], "logs")  # a file called logs
    assert not ignored(["logs/"], "app/logs")


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("**/foo", "foo", True),
        ("**/foo", "a/b/foo", True),
        ("**/foo/bar", "a/foo/bar", True),
        ("**/foo/bar", "a/foo/x/bar", False),
        ("a/**/b", "a/b", True),
        ("a/**/b", "a/x/b", True),
        ("a/**/b", "a/x/y/b", True),
        ("a/**/b", "c/a/x/b", False),
        ("abc/**", "abc/x", True),
        ("abc/**", "abc/x/y.py", True),
        ("abc/**", "abc", False),
        ("**", "a/b/c.py", True),
        ("/**", "a/b/c.py", True),
        ("doc/*.txt", "doc/a.txt", True),
        ("doc/*.txt", "doc/sub/a.txt", False),
        ("*.py[co]", "a/b.pyc", True),
        ("*.py[!co]", "a/b.pyc", False),
        ("*.py[!co]", "a/b.pyd", True),
        ("file?.txt", "file1.txt", True),
        ("file?.txt", "file/.txt", False),
        ("a**b", "axyb", True),
        ("a**b", "ax/yb", False),
    ],
)
def test_globs(pattern: str, path: str, expected: bool) -> None:
    assert ignored([pattern], path) is expected


def test_negation_last_rule_wins() -> None:
    rules = ["*.log", "!keep.log"]
    assert ignored(rules, "a.log")
    assert not ignored(rules, "keep.log")
    assert not ignored(rules, "x/keep.log")
    assert ignored(rules + ["x/keep.log"], "x/keep.log")


def test_negation_cannot_reinclude_inside_an_ignored_directory() -> None:
    assert ignored(["data/", "!data/keep.txt"], "data/keep.txt")
    # ...but ignoring the contents rather than the directory allows it, as in git.
    assert not ignored(["data/*", "!data/keep.txt"], "data/keep.txt")


def test_comments_blanks_escapes_and_trailing_spaces() -> None:
    matcher = GitIgnore(["# comment", "", "   ", r"\#hash", r"\!bang", "spaced   "])
    assert matcher.matches("#hash")
    assert matcher.matches("!bang")
    assert matcher.matches("spaced")
    assert not matcher.matches("comment")
    assert len(matcher.rules) == 3


def test_regex_metacharacters_are_literal() -> None:
    assert ignored(["a+b(1).py"], "a+b(1).py")
    assert not ignored(["a.py"], "axpy")


def test_empty_matcher_is_falsy_and_ignores_nothing() -> None:
    assert not GitIgnore()
    assert not GitIgnore().matches("anything")
