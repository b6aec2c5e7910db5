"""The configuration files: the host's, then the user's, then PACKDESK_DB,
then --db, each overriding the one before; a file packdesk can't use is
refused, naming the file and the key (and the line, for TOML)."""

from __future__ import annotations

import pytest

from tui.config import HOST_CONFIG, ConfigError, host_file, load, user_file

pytestmark = pytest.mark.both_engines

DB = "db"


@pytest.mark.parametrize(
    "host, user, env, option, expected, source",
    [
        (None, None, None, None, None, None),
        ("/books/host.db", None, None, None, "/books/host.db", "host"),
        ("/books/host.db", "/books/user.db", None, None, "/books/user.db", "user"),
        ("/books/host.db", "/books/user.db", "/books/env.db", None, "/books/env.db", "PACKDESK_DB"),
        ("/books/host.db", "/books/user.db", "/books/env.db", "/books/cli.db", "/books/cli.db", "--db"),
        # each one alone, and a later one over an earlier one with gaps between
        (None, "/books/user.db", None, None, "/books/user.db", "user"),
        ("/books/host.db", None, "/books/env.db", None, "/books/env.db", "PACKDESK_DB"),
        ("/books/host.db", None, None, "/books/cli.db", "/books/cli.db", "--db"),
        (None, "/books/user.db", None, "/books/cli.db", "/books/cli.db", "--db"),
    ],
)
def test_db_precedence(configs, monkeypatch, host, user, env, option, expected, source):
    if host:
        configs.write_host(f'db = "{host}"\n')
    if user:
        configs.write_user(f'db = "{user}"\n')
    if env:
        monkeypatch.setenv("PACKDESK_DB", env)
    config = load(option)
    if expected is None:
        assert config.db is None  # the default book
        return
    assert config.db.value == expected
    assert config.db.source == {"host": str(configs.host), "user": str(configs.user)}.get(source, source)


def test_keymap_precedence_the_users_entry_over_the_hosts(configs, monkeypatch):
    configs.write_host('[keymap]\nnew = "ctrl+n"\nfilter = "f"\n')
    configs.write_user('[keymap]\nnew = "a, ctrl+a"\nsort = "o"\n')
    monkeypatch.setenv("PACKDESK_DB", "/books/env.db")  # neither the variable nor --db touches the keymap
    config = load("/books/cli.db")
    assert {i: (s.value, s.source) for i, s in config.keymap.items()} == {
        "new": ("a,ctrl+a", str(configs.user)),
        "filter": ("f", str(configs.host)),
        "sort": ("o", str(configs.user)),
    }


def test_keymap_of_the_host_alone(configs):
    configs.write_host('[keymap]\nnew = "ctrl+n"\n')
    assert {i: (s.value, s.source) for i, s in load().keymap.items()} == {"new": ("ctrl+n", str(configs.host))}


def test_tilde_is_the_home_folder_and_a_relative_path_is_from_the_files_folder(configs, monkeypatch):
    configs.write_host('db = "~/books/main.db"\n')
    assert load().db.value == str(configs.home / "books" / "main.db")
    configs.write_user('db = "books/mine.db"\n')
    assert load().db.value == str(configs.user.parent / "books" / "mine.db")
    monkeypatch.setenv("PACKDESK_DB", "~/env.db")
    assert load().db.value == str(configs.home / "env.db")
    assert load("~/cli.db").db.value == str(configs.home / "cli.db")


def test_an_empty_variable_or_option_says_nothing(configs, monkeypatch):
    configs.write_host('db = "/books/host.db"\n')
    monkeypatch.setenv("PACKDESK_DB", "")
    assert load("").db.value == "/books/host.db"


def test_where_the_files_are(configs, monkeypatch):
    assert host_file() == configs.host
    assert user_file() == configs.user
    monkeypatch.delenv("PACKDESK_HOST_CONFIG")
    assert host_file() == HOST_CONFIG
    monkeypatch.setenv("PACKDESK_HOST_CONFIG", "")
    assert host_file() is None
    for unset in (None, "", "relative/folder"):  # the XDG specification: ignored, so ~/.config
        if unset is None:
            monkeypatch.delenv("XDG_CONFIG_HOME")
        else:
            monkeypatch.setenv("XDG_CONFIG_HOME", unset)
        assert user_file() == configs.home / ".config" / "packdesk" / "packdesk.toml"


def test_no_files_no_settings_and_the_files_looked_for_are_listed(configs):
    config = load()
    assert config.db is None and config.keymap == {}
    assert config.files == [("host", configs.host, False), ("user", configs.user, False)]


@pytest.mark.parametrize(
    "text, words",
    [
        ('db = "/x.db"\n\nkeymap = [\n', ["not valid TOML", "line 3"]),
        ('db = /x.db\n', ["not valid TOML", "line 1"]),
        ('dbb = "/x.db"\n', ["unknown key 'dbb'"]),
        ('timezone = "Europe/London"\n', ["unknown key 'timezone'"]),
        ("db = 3\n", ["db must be the book's path as a string", "(it is 3)"]),
        ('db = ""\n', ["db must be the book's path", "(it is empty)"]),
        ('db = ["/x.db"]\n', ["db must be", "(it is a list)"]),
        ('keymap = "ctrl+n"\n', ["keymap must be a table", "(it is 'ctrl+n')"]),
        ("[keymap]\nnew = 3\n", ["keymap.new must be a key", "(it is 3)"]),
        ('[keymap]\nnew = ""\n', ["keymap.new must be a key", "(it is empty)"]),
        ('[keymap]\nnew = "a,,b"\n', ["keymap.new must be a key", "(it is 'a,,b')"]),
        ("[keymap]\nnew = true\n", ["keymap.new must be a key", "(it is true)"]),
    ],
)
@pytest.mark.parametrize("which", ["host", "user"])
def test_a_bad_file_is_refused_naming_the_file_and_the_key(configs, text, words, which):
    path = configs.write_host(text) if which == "host" else configs.write_user(text)
    with pytest.raises(ConfigError) as refused:
        load()
    message = str(refused.value)
    assert message.startswith(f"{path}: ")
    assert "\n" not in message
    for word in words:
        assert word in message


def test_a_file_that_cant_be_read_is_refused(configs):
    configs.host.mkdir(parents=True)
    with pytest.raises(ConfigError, match="is a folder, not a configuration file"):
        load()
    configs.host.rmdir()
    configs.host.write_bytes(b'db = "\xff\xfe"\n')
    with pytest.raises(ConfigError, match="is not UTF-8 text"):
        load()
