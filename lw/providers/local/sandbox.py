"""Run inside each local worker before the Lambda runtime client: Lambda's read-only code.

On Lambda the package folder (``/var/task``) is on a read-only file system: an app that
writes next to its code (flaskr's SQLite file in ``instance/``, Django's default
``db.sqlite3``) fails there with ``OSError: [Errno 30] Read-only file system``. Locally
the unpacked package sits in the developer's own writable folder, and the worker often
runs as a user (or root) that file permissions cannot stop, so permission bits would
not reproduce the failure. An audit hook (PEP 578) does, in-process and for every
Python-level write: opening for writing, creating, renaming, deleting or changing
metadata under ``LAMBDA_TASK_ROOT`` raises the same ``OSError`` (errno ``EROFS``) Lambda
gives, and SQLite behaves as on a read-only mount (a new database cannot be created, an
existing one opens read-only, see ``_read_only_sqlite``). Each refused path is named once on stderr with a
pointer to the docs, so the developer knows why.

Also here: the runtime client's plain-stdout log sink writes a record without a final
newline (CloudWatch frames records instead), so a logged traceback's last line ran into
the next access line; each record now ends with one.

This file is executed with ``runpy.run_path`` by the worker's bootstrap, which puts no
lw code on the app's ``sys.path``: it must use only the standard library.
"""

from __future__ import annotations

import errno
import os
import sys
import threading

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

HINT = (
    "the package folder is read-only on Lambda (and so in the local runtime): write under /tmp "
    "(tempfile.gettempdir()) or to a database or bucket instead; see docs/local.md, "
    "'Read-only package folder'"
)
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
# Audit events that change the file system; the argument positions holding paths.
_PATH_EVENTS = {
    "os.mkdir": (0,),
    "os.rename": (0, 1),
    "os.remove": (0,),
    "os.rmdir": (0,),
    "os.link": (1,),
    "os.symlink": (1,),
    "os.truncate": (0,),
    "os.chmod": (0,),
    "os.chown": (0,),
    "os.utime": (0,),
    "os.chflags": (0,),
    "os.lchflags": (0,),
    "os.setxattr": (0,),
    "os.removexattr": (0,),
    "os.mkfifo": (0,),
    "os.mknod": (0,),
}


class ReadOnlyPackage:
    """The audit hook; ``root`` is the real path of the package folder."""

    def __init__(self, root: str) -> None:
        self.root = os.path.realpath(root)
        self.prefix = self.root.rstrip(os.sep) + os.sep
        self.told: set[str] = set()
        self.local = threading.local()

    def inside(self, path: object) -> str | None:
        """The real path if ``path`` names something in the package folder."""
        if isinstance(path, int) or path is None:
            return None
        try:
            text = os.fsdecode(os.fspath(path))  # type: ignore[call-overload]
        except TypeError:
            return None
        real = os.path.realpath(text)
        return real if real == self.root or real.startswith(self.prefix) else None

    def refuse(self, real: str) -> None:
        if "__pycache__" not in real and real not in self.told and len(self.told) < 100:
            self.told.add(real)
            sys.stderr.write(f"[lw local] refused a write to {real}: {HINT}\n")
            sys.stderr.flush()
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), real)

    def __call__(self, event: str, args: tuple) -> None:
        if event == "open":
            path, mode, flags = args
            writing = (isinstance(flags, int) and flags & _WRITE_FLAGS) or (
                isinstance(mode, str) and any(c in mode for c in "wax+")
            )
            if writing:
                real = self.inside(path)
                if real is not None:
                    self.refuse(real)
        elif event in _PATH_EVENTS:
            for index in _PATH_EVENTS[event]:
                real = self.inside(args[index]) if index < len(args) else None
                if real is not None:
                    self.refuse(real)
        elif event == "sqlite3.connect":
            self._sqlite_connect(args[0])

    def _sqlite_connect(self, database: object) -> None:
        """A new database file cannot be made on a read-only mount; an existing one
        opens read-only (``attempt to write a readonly database`` on the first write)."""
        self.local.read_only = False
        if isinstance(database, bytes):
            database = os.fsdecode(database)
        if not isinstance(database, (str, os.PathLike)):
            return
        text = os.fspath(database)
        if text.startswith("file:"):
            text = _uri_path(text)
        if not text or text == ":memory:":
            return
        real = self.inside(text)
        if real is None:
            return
        if not os.path.exists(real):
            if real not in self.told:
                self.told.add(real)
                sys.stderr.write(f"[lw local] cannot create the SQLite database {real}: {HINT}\n")
                sys.stderr.flush()
            raise sys.modules["sqlite3"].OperationalError("unable to open database file")
        self.local.read_only = True


def _uri_path(uri: str) -> str:
    """The file a ``file:`` URI opens ("" for an in-memory or read-only one, which
    cannot write): ``file:instance/app.db?mode=rwc`` names ``instance/app.db``."""
    from urllib.parse import parse_qs, unquote, urlsplit

    parts = urlsplit(uri)
    mode = (parse_qs(parts.query).get("mode") or [""])[0]
    if mode in ("memory", "ro"):
        return ""
    return unquote(parts.path)


def _read_only_sqlite(guard: ReadOnlyPackage) -> None:
    """Make ``sqlite3.connect`` open a shipped database read-only when the audit hook
    flagged it (a connection cannot be changed from the hook: it is not initialised
    yet). Costs importing sqlite3 at start, a few milliseconds."""
    try:
        import sqlite3
        import sqlite3.dbapi2
    except ImportError:
        return
    original = sqlite3.connect

    def connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        guard.local.read_only = False
        connection = original(*args, **kwargs)
        if guard.local.read_only:
            guard.local.read_only = False
            connection.execute("PRAGMA query_only = ON")
        return connection

    connect.__doc__ = original.__doc__
    sqlite3.connect = sqlite3.dbapi2.connect = connect  # type: ignore[assignment]  # a wrapper, not each overload


def _newline_terminated_log_sink() -> None:
    try:
        from awslambdaric import bootstrap
    except ImportError:
        return
    sink = getattr(bootstrap, "StandardLogSink", None)
    if sink is None or getattr(sink.log, "_lw_newline", False):
        return
    original = sink.log

    def log(self: object, msg: str, frame_type: object = None) -> None:
        original(self, msg if msg.endswith("\n") else msg + "\n", frame_type)

    log._lw_newline = True  # type: ignore[attr-defined]
    sink.log = log


def install() -> None:
    root = os.environ.get("LAMBDA_TASK_ROOT")
    if root:
        guard = ReadOnlyPackage(root)
        sys.addaudithook(guard)
        _read_only_sqlite(guard)
    _newline_terminated_log_sink()


install()
