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


def current_user() -> str:
    """The operating-system user of this process (its real user id)."""
    uid = os.getuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:  # a user id with no name on this host
        return str(uid)


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


def _not_in_group(path: Path) -> str:
    """What to do about a file or folder of a group this user is not in."""
    st = path.stat()
    group = _owner(st)[1]
    user = current_user()
    if st.st_gid not in os.getgroups() and st.st_gid != os.getgid():
        return f"{user} is not in group {group}: an admin adds you with `usermod -aG {group} {user}` (then log in again)"
    book = path if path.is_file() else path / "book.db"
    return f"fix with `packdesk init --db {book} --group {group}` (as its owner or root)"


def check_reachable(path: Path) -> None:
    """Refuse a book in a folder (or above) this user may not enter, naming
    the folder: otherwise even asking whether the book exists fails."""
    for folder in reversed(path.parents):
        if folder.is_dir() and not os.access(folder, os.X_OK):
            raise BookError(f"can't reach the book {path}: the folder {describe(folder)} is closed to you; {_not_in_group(folder)}")
        if not folder.exists():
            return


def check_readable(path: Path) -> None:
    """Refuse a book this user can't read, naming the file in the way."""
    check_reachable(path)
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
        return f"the book is read-only for you: {describe(path)}; {_not_in_group(path)}"
    for suffix in SIDE_FILES:
        side = Path(f"{path}{suffix}")
        if side.exists() and not os.access(side, os.R_OK | os.W_OK):
            return f"the book's side file is not writable for you: {describe(side)}; fix with {_fix(path)}"
    return f"the book's folder is read-only for you: {describe(path.parent)}; fix with {_fix(path)}"


# --- shared books: one group, every member reads and writes -----------------------

#: A shared book and its side files: owner and group read and write.
SHARED_FILE_MODE = 0o660
#: A shared book's folder: setgid (new side files take the folder's group),
#: owner and group enter, read and create; nobody else.
SHARED_FOLDER_MODE = 0o2770
PRIVATE_FILE_MODE = 0o600
PRIVATE_FOLDER_MODE = 0o700


def group_id(group: str) -> int:
    """The id of the group named `group`; BookError when there is none."""
    try:
        return grp.getgrnam(group).gr_gid
    except KeyError:
        raise BookError(f"--group: there is no group '{group}' on this host (create it with `groupadd {group}`, then add the operators with `usermod -aG {group} NAME`)") from None


def make_folder(folder: Path, group: str | None) -> None:
    """Create the book's folder if missing: shared (2770, the group's) with
    a group, else private (0700). Parents are made as mkdir -p makes them."""
    if folder.is_dir():
        return
    gid = group_id(group) if group else None
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        folder.mkdir(mode=PRIVATE_FOLDER_MODE, exist_ok=True)
        if gid is not None:
            _set(folder, gid, SHARED_FOLDER_MODE)
    except OSError as exc:
        raise BookError(f"can't create the folder {folder}: {exc.strerror}") from None


def _set(path: Path, gid: int, mode: int) -> list[str]:
    """Give `path` the group and mode; what changed, in words ([] if nothing)."""
    st = path.stat()
    changes = []
    if st.st_gid != gid:
        before = _owner(st)[1]
        os.chown(path, -1, gid)
        changes.append(f"group {before} -> {grp.getgrgid(gid).gr_name}")
    if stat.S_IMODE(st.st_mode) != mode:
        os.chmod(path, mode)
        changes.append(f"mode {stat.S_IMODE(st.st_mode):04o} -> {mode:04o}")
    return changes


def share(path: Path, group: str) -> list[str]:
    """Make the book at `path`, its side files and its folder usable by every
    member of `group`: the group's, 0660 (files) and 2770 (folder, setgid so
    the side files SQLite creates take the group). Returns what changed, a
    line per file; BookError naming the file when this user may not change it."""
    gid = group_id(group)
    done = []
    targets = [(path.parent, SHARED_FOLDER_MODE), (path, SHARED_FILE_MODE)]
    targets += [(Path(f"{path}{suffix}"), SHARED_FILE_MODE) for suffix in SIDE_FILES]
    for target, mode in targets:
        if not target.exists():
            continue
        try:
            changes = _set(target, gid, mode)
        except PermissionError:
            raise BookError(
                f"can't give {describe(target)} to group {group} (mode {mode:04o}): only its owner or root may; "
                f"run `packdesk init --db {path} --group {group}` as {_owner(target.stat())[0]}, or with sudo"
            ) from None
        except OSError as exc:
            raise BookError(f"can't change {describe(target)}: {exc.strerror}") from None
        if changes:
            done.append(f"{target}: " + ", ".join(changes))
    return done


def check_side_files(path: Path) -> None:
    """Refuse a book whose -wal or -shm this user can't read (SQLite would
    say only 'unable to open database file')."""
    for suffix in SIDE_FILES:
        side = Path(f"{path}{suffix}")
        if side.exists() and not os.access(side, os.R_OK):
            raise BookError(f"can't read the book's side file {describe(side)}; fix with {_fix(path)}")


def side_files_present(path: Path) -> bool:
    """Both side files exist: the book is open somewhere (or was left open)."""
    return all(Path(f"{path}{suffix}").exists() for suffix in SIDE_FILES)


def born_shared(path: Path) -> None:
    """On a book its group may write, let the side files be born with the
    book's mode. SQLite creates `-wal` and `-shm` under the process umask and
    only then widens them to the book's mode; in between (with a private
    umask such as 077) another member's packdesk can't open them and fails
    ("unable to open database file", or a read-only book mid-run). So the
    umask leaves the group's read and write alone for this process."""
    try:
        if stat.S_IMODE(path.stat().st_mode) & 0o060 != 0o060:
            return
    except OSError:
        return
    current = os.umask(0)
    os.umask(current & ~0o060)
