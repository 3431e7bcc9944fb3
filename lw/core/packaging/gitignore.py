"""A gitignore-syntax matcher for ``exclude``, ``include`` and ``.lwignore``.

Users already know gitignore; reusing its rules (rather than Zappa's basename
``fnmatch``) means ``exclude: ["app/setup.py"]`` removes exactly that file and never a
``setup.py`` somewhere in the dependencies (Zappa's issue #692). Supported: comments,
``!`` negation (last matching rule wins), anchoring by a leading or middle ``/``,
trailing ``/`` for directories only, ``*``, ``?``, ``[...]`` and ``**`` in its three
gitignore positions. As in git, a path inside an ignored directory stays ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable


@dataclass(frozen=True)
class Rule:
    """One compiled pattern line."""

    pattern: str
    regex: re.Pattern[str]
    negated: bool
    dir_only: bool

    def matches(self, path: str, is_dir: bool) -> bool:
        if self.dir_only and not is_dir:
            return False
        return self.regex.fullmatch(path) is not None


def _strip_trailing_spaces(line: str) -> str:
    """Trailing spaces are ignored unless escaped with a backslash."""
    stripped = line.rstrip(" ")
    if stripped.endswith("\\") and len(stripped) < len(line):
        return stripped[:-1] + " "
    return stripped


def _translate_class(pattern: str, start: int) -> tuple[str, int]:
    """Translate the ``[...]`` starting at ``start``; return (regex, index after it).

    An unterminated ``[`` is a literal, as in git.
    """
    i = start + 1
    if i < len(pattern) and pattern[i] in "!^":
        i += 1
    if i < len(pattern) and pattern[i] == "]":
        i += 1
    while i < len(pattern) and pattern[i] != "]":
        i += 1
    if i >= len(pattern):
        return re.escape("["), start + 1
    body = pattern[start + 1 : i]
    negate = body[:1] in ("!", "^")
    if negate:
        body = body[1:]
    body = body.replace("\\", "\\\\")
    # A class never matches the separator, negated or not.
    return ("[^/" + body + "]" if negate else "(?!/)[" + body + "]"), i + 1


def _translate(pattern: str) -> str:
    """The body of a gitignore glob as a regex matched against a whole relative path."""
    out: list[str] = []
    i = 0
    n = len(pattern)
    while i < n:
        if pattern.startswith("**", i):
            at_start = i == 0
            after = i + 2
            if at_start and pattern.startswith("/", after):
                out.append("(?:.*/)?")  # "**/x": x at any depth
                i = after + 1
                continue
            if (at_start or pattern[i - 1] == "/") and after == n:
                out.append(".*")  # "x/**": everything inside x; "**" alone: everything
                i = after
                continue
            if i > 0 and pattern[i - 1] == "/" and pattern.startswith("/", after):
                out.append("(?:.*/)?")  # "a/**/b": zero or more directories
                i = after + 1
                continue
            out.append("[^/]*")  # any other "**" is a plain "*"
            i = after
            while i < n and pattern[i] == "*":
                i += 1
            continue
        char = pattern[i]
        if char == "*":
            out.append("[^/]*")
            i += 1
        elif char == "?":
            out.append("[^/]")
            i += 1
        elif char == "[":
            piece, i = _translate_class(pattern, i)
            out.append(piece)
        elif char == "\\" and i + 1 < n:
            out.append(re.escape(pattern[i + 1]))
            i += 2
        else:
            out.append(re.escape(char))
            i += 1
    return "".join(out)


def compile_rule(line: str) -> Rule | None:
    """Compile one line; ``None`` for blank lines and comments."""
    text = _strip_trailing_spaces(line.rstrip("\n\r"))
    if not text or text.startswith("#"):
        return None
    original = text
    negated = False
    if text.startswith("!"):
        negated = True
        text = text[1:]
    elif text.startswith("\\!") or text.startswith("\\#"):
        text = text[1:]
    dir_only = text.endswith("/") and not text.endswith("\\/")
    if dir_only:
        text = text.rstrip("/")
    if not text:
        return None
    anchored = "/" in text
    text = text.lstrip("/")
    body = _translate(text)
    if not anchored:
        body = "(?:.*/)?" + body
    return Rule(pattern=original, regex=re.compile(body, re.DOTALL), negated=negated, dir_only=dir_only)


class GitIgnore:
    """An ordered list of gitignore rules, evaluated relative to one base directory.

    Paths are POSIX-style and relative to that base (``app/models.py``).
    """

    def __init__(self, lines: Iterable[str] = ()) -> None:
        self.rules: list[Rule] = []
        self.extend(lines)

    def extend(self, lines: Iterable[str]) -> None:
        for line in lines:
            rule = compile_rule(line)
            if rule is not None:
                self.rules.append(rule)

    def __bool__(self) -> bool:
        return bool(self.rules)

    def decide(self, path: str, is_dir: bool) -> bool | None:
        """The last matching rule's verdict for ``path`` alone (True: ignored;
        None: no rule matched). Parents are not considered; walkers that prune ignored
        directories get git's behaviour from this alone."""
        verdict: bool | None = None
        for rule in self.rules:
            if rule.matches(path, is_dir):
                verdict = not rule.negated
        return verdict

    def match_here(self, path: str, is_dir: bool) -> bool:
        """Whether ``path`` itself is ignored, assuming its parents are not."""
        return bool(self.decide(path, is_dir))

    def matches(self, path: str, is_dir: bool = False) -> bool:
        """Whether ``path`` is ignored, including because a parent directory is."""
        parts = path.strip("/").split("/")
        for depth in range(1, len(parts)):
            if self.match_here("/".join(parts[:depth]), True):
                return True
        return self.match_here("/".join(parts), is_dir)
