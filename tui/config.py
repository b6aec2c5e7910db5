"""packdesk's configuration: the host's file, then the user's, then
$PACKDESK_DB, then --db, each overriding the one before.

    /etc/packdesk/packdesk.toml                  the host ($PACKDESK_HOST_CONFIG names another)
    $XDG_CONFIG_HOME/packdesk/packdesk.toml      the user (default ~/.config/packdesk/packdesk.toml)

A file may say `db` (the book's path; `~` is the home directory and a
relative path is taken from the file's folder) and hold a `[keymap]` table of
binding ids and the keys they are bound to instead ("ctrl+n", or several keys
separated by commas). A file that can't be read or isn't TOML, a key packdesk
doesn't know and a value of the wrong type are refused (ConfigError, naming
the file, the key and, for TOML, the line). Whether a keymap id names one of
the app's bindings is checked where the bindings are (tui.keys).

Only the standard library: every command reads this, cron jobs included, so
it must not pull in the app.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

HOST_CONFIG = Path("/etc/packdesk/packdesk.toml")
#: Names the host file instead of HOST_CONFIG (sandboxes, tests); empty: no host file.
HOST_CONFIG_ENV = "PACKDESK_HOST_CONFIG"
DB_ENV = "PACKDESK_DB"
DB_OPTION = "--db"
#: Where a setting came from when no file, variable or option gives it.
DEFAULT = "default"
KEYS = ("db", "keymap")


class ConfigError(Exception):
    """A configuration file packdesk can't use: the message names the file and the key."""


@dataclass(frozen=True, slots=True)
class Setting:
    value: str
    #: The file's path, "PACKDESK_DB", "--db" or "default".
    source: str

    @property
    def from_file(self) -> bool:
        return self.source not in (DB_ENV, DB_OPTION, DEFAULT)


@dataclass(slots=True)
class Config:
    #: The book's path; None: nothing says, so the default book.
    db: Setting | None = None
    #: binding id -> keys, the later file's entry winning.
    keymap: dict[str, Setting] = field(default_factory=dict)
    #: (host or user, path, whether it was there) in the order read.
    files: list[tuple[str, Path, bool]] = field(default_factory=list)


def host_file(environ=os.environ) -> Path | None:
    named = environ.get(HOST_CONFIG_ENV)
    if named is None:
        return HOST_CONFIG
    return Path(named).expanduser() if named.strip() else None


def user_file(environ=os.environ) -> Path:
    """$XDG_CONFIG_HOME/packdesk/packdesk.toml; ~/.config when it is unset,
    empty or relative (as the XDG base directory specification says)."""
    base = environ.get("XDG_CONFIG_HOME", "")
    folder = Path(base) if os.path.isabs(base) else Path(environ.get("HOME") or Path.home()) / ".config"
    return folder / "packdesk" / "packdesk.toml"


def config_files(environ=os.environ) -> list[tuple[str, Path]]:
    """The files read, in order: the host's (if any), then the user's."""
    host = host_file(environ)
    return ([("host", host)] if host else []) + [("user", user_file(environ))]


def load(cli_db: str | None = None, environ=os.environ) -> Config:
    """Every setting and where it came from. Raises ConfigError for a file packdesk can't use."""
    config = Config()
    for kind, path in config_files(environ):
        table = read_file(path)
        config.files.append((kind, path, table is not None))
        if table is not None:
            _take(config, path, table, environ)
    if environ.get(DB_ENV):
        config.db = Setting(str(_expand(environ[DB_ENV], environ)), DB_ENV)
    if cli_db:
        config.db = Setting(str(_expand(cli_db, environ)), DB_OPTION)
    return config


def read_file(path: Path) -> dict | None:
    """The file's table, or None when there is no such file."""
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a folder, not a configuration file") from None
    except PermissionError:
        raise ConfigError(f"{path}: can't be read (permission denied); make it readable, or remove it") from None
    except OSError as exc:
        raise ConfigError(f"{path}: can't be read ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: is not UTF-8 text, so not TOML") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # "... (at line 3, column 5)", or "(at end of document)": then the last line.
        reason = str(exc).replace("(at end of document)", f"(at the end of the file, line {len(text.splitlines()) or 1})")
        raise ConfigError(f"{path}: not valid TOML: {reason}") from None


def _take(config: Config, path: Path, table: dict, environ) -> None:
    for key, value in table.items():
        if key not in KEYS:
            raise ConfigError(f"{path}: unknown key '{key}' (a packdesk.toml takes db and [keymap])")
        if key == "db":
            if not isinstance(value, str) or not value.strip():
                raise ConfigError(f"{path}: db must be the book's path as a string, such as db = \"~/books/main.db\" (it is {_shown(value)})")
            book = _expand(value, environ)
            config.db = Setting(str(book if isinstance(book, str) or book.is_absolute() else path.parent / book), str(path))
        else:
            if not isinstance(value, dict):
                raise ConfigError(f"{path}: keymap must be a table, [keymap], of binding ids and keys (it is {_shown(value)})")
            for binding_id, keys in value.items():
                if not isinstance(keys, str) or not keys.strip() or any(not k.strip() for k in keys.split(",")):
                    raise ConfigError(
                        f"{path}: keymap.{binding_id} must be a key such as \"ctrl+n\", or keys separated by commas "
                        f"(it is {_shown(keys)})"
                    )
                config.keymap[binding_id] = Setting(",".join(k.strip() for k in keys.split(",")), str(path))


#: A book named by URL (a PostgreSQL database) is no path: kept as written.
URL_SCHEMES = ("postgresql://", "postgres://")


def _expand(value: str, environ) -> Path | str:
    """`~` as the home directory ($HOME, as the shell expands it); a URL as it is."""
    if value.startswith(URL_SCHEMES):
        return value
    if value == "~" or value.startswith("~/"):
        home = environ.get("HOME") or str(Path.home())
        return Path(home + value[1:])
    return Path(value).expanduser()


def _shown(value) -> str:
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return "empty" if not value.strip() else repr(value)
    return repr(value)
