"""The book's files on disk: who may read and write them, said plainly.

A SQLite book is the file and, while it is open, two side files beside it
(`-wal`, `-shm`) that every writer (and in WAL mode every reader) must be
able to use; the folder must let writers create them. When something is in
the way, the message names the file, its owner, group and mode, and the
command that fixes it.
"""

from __future__ import annotations

import grp
import os
import pwd
import stat
from pathlib import Path

from .errors import BookError

SIDE_FILES = ("-wal", "-shm")


def _owner(st: os.stat_result) -> tuple[str, str]:
    try:
        user = pwd.getpwuid(st.st_uid).pw_name
    except KeyError:
        user = str(st.st_uid)
    try:
        group = grp.getgrgid(st.st_gid).gr_name
    except KeyError:
        group = str(st.st_gid)
    return user, group


def describe(path: Path) -> str:
    """'/srv/packdesk/book.db (owner alice, group billing, mode 0640)'."""
    try:
        st = path.stat()
    except OSError:
        return str(path)
    user, group = _owner(st)
    return f"{path} (owner {user}, group {group}, mode {stat.S_IMODE(st.st_mode):04o})"


def _fix(path: Path) -> str:
    try:
        group = _owner(path.stat())[1]
    except OSError:
        group = "GROUP"
    return f"`packdesk init --db {path.with_name(path.name.removesuffix('-wal').removesuffix('-shm'))} --group {group}` (as the owner or root)"


def check_readable(path: Path) -> None:
    """Refuse a book this user can't read, naming the file in the way."""
    folder = path.parent
    if not os.access(folder, os.X_OK):
        raise BookError(f"can't reach the book: the folder {describe(folder)} is closed to you; fix with {_fix(path)}")
    if not os.access(path, os.R_OK):
        raise BookError(f"can't read the book {describe(path)}; fix with {_fix(path)}")


def writable(path: Path) -> bool:
    """Can this user write the book: the file, its folder (to create the
    side files) and the side files that exist?"""
    if not os.access(path, os.W_OK):
        return False
    for suffix in SIDE_FILES:
        side = Path(f"{path}{suffix}")
        if side.exists() and not os.access(side, os.R_OK | os.W_OK):
            return False
    return os.access(path.parent, os.W_OK | os.X_OK)


def why_read_only(path: Path) -> str:
    """The reason a book opened read-only, for each refused edit."""
    if not os.access(path, os.W_OK):
        return f"the book is read-only for you: {describe(path)}"
    for suffix in SIDE_FILES:
        side = Path(f"{path}{suffix}")
        if side.exists() and not os.access(side, os.R_OK | os.W_OK):
            return f"the book's side file is not writable for you: {describe(side)}; fix with {_fix(path)}"
    return f"the book's folder is read-only for you: {describe(path.parent)}; fix with {_fix(path)}"
