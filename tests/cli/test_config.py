"""`packdesk config`: each setting, its value and where it came from; the
book every command opens follows the same precedence; a bad configuration
file is one line naming the file and the key, never a traceback."""

from __future__ import annotations

import pytest

from tests.helpers.cli import cli, cli_env, cli_process


def settings_of(out: str) -> dict[str, tuple[str, str]]:
    """`packdesk config`'s table: setting -> (value, from)."""
    table = out.split("\n\n", 1)[1].splitlines()
    assert table[0].split() == ["setting", "value", "from"]
    return {line.split()[0]: tuple(line.split()[1:]) for line in table[1:]}


@pytest.fixture
def data_home(tmp_path, monkeypatch):
    """The default book's folder (platformdirs' user data directory) under tmp_path."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path / "data" / "packdesk"


def test_config_with_nothing_configured_shows_the_default_book_and_opens_none(configs, data_home, capsys):
    code, out, err = cli(capsys, "config")
    assert code == 0, err
    assert out.splitlines()[:2] == [
        f"host file: {configs.host} (there is none)",
        f"user file: {configs.user} (there is none)",
    ]
    assert settings_of(out) == {"db": (str(data_home / "book.db"), "default")}
    assert not data_home.exists()  # no book made, not even its folder


@pytest.mark.parametrize("given", ["host", "user", "PACKDESK_DB", "--db"])
def test_config_says_where_the_book_comes_from(configs, tmp_path, monkeypatch, capsys, given):
    """Each one given with every one before it: the last wins, and is named."""
    order = ["host", "user", "PACKDESK_DB", "--db"]
    books = {name: str(tmp_path / f"{name.strip('-').lower()}.db") for name in order}
    argv = ["config"]
    for name in order[: order.index(given) + 1]:
        if name == "host":
            configs.write_host(f'db = "{books[name]}"\n')
        elif name == "user":
            configs.write_user(f'db = "{books[name]}"\n')
        elif name == "PACKDESK_DB":
            monkeypatch.setenv("PACKDESK_DB", books[name])
        else:
            argv += ["--db", books[name]]
    code, out, err = cli(capsys, *argv)
    assert code == 0, err
    source = {"host": str(configs.host), "user": str(configs.user)}.get(given, given)
    assert settings_of(out)["db"] == (books[given], source)


def test_config_lists_each_keymap_entry_and_its_file(configs, capsys):
    configs.write_host('[keymap]\nnew = "ctrl+n"\nfilter = "f"\n')
    configs.write_user('[keymap]\nnew = "a"\n')
    code, out, err = cli(capsys, "config")
    assert code == 0, err
    shown = settings_of(out)
    assert shown["keymap.new"] == ("a", str(configs.user))
    assert shown["keymap.filter"] == ("f", str(configs.host))
    assert f"host file: {configs.host}\n" in out and f"user file: {configs.user}\n" in out


def test_config_names_a_keymap_id_packdesk_has_not_and_nothing_else(configs, capsys):
    configs.write_user('[keymap]\nnew = "ctrl+n"\nlist_new = "x"\n')
    code, out, err = cli(capsys, "config")
    assert code == 1
    assert err.splitlines() == [
        f"packdesk: {configs.user}: keymap.list_new is not a binding id of packdesk, so it is left out "
        "(`packdesk config --keys` lists them)"
    ]
    shown = settings_of(out)
    assert "keymap.list_new" not in shown and shown["keymap.new"] == ("ctrl+n", str(configs.user))


def test_config_keys_lists_every_binding_id_with_its_keys(capsys):
    code, out, _ = cli(capsys, "config", "--keys")
    assert code == 0
    rows = {line.split()[0]: line.split()[1] for line in out.splitlines()[1:]}
    assert rows["new"] == "n" and rows["filter"] == "slash" and rows["quit"] == "ctrl+q"
    assert rows["reverse"] == "r" and rows["reverse_payment"] == "r"  # sorting and a payment: two ids
    assert rows["first_row"] == "home,ctrl+home"


def test_commands_open_the_book_the_configuration_names(configs, tmp_path, capsys):
    host_book, user_book = tmp_path / "host.db", tmp_path / "user.db"
    configs.write_host(f'db = "{host_book}"\n')
    code, _, err = cli(capsys, "init")
    assert code == 0, err
    assert host_book.exists()
    code, out, err = cli(capsys, "settings")
    assert code == 0, err

    configs.write_user(f'db = "{user_book}"\n')
    code, _, err = cli(capsys, "runs")
    assert code == 1
    assert f"there is no book at {user_book}" in err and err.rstrip().endswith(f"the path is db in {configs.user}")
    assert not user_book.exists()


def test_a_keymap_typo_does_not_stop_a_command(configs, db, capsys):
    configs.write_host('[keymap]\nno_such_key = "x"\n')
    code, _, err = cli(capsys, "runs", "--db", str(db))
    assert code == 0, err
    assert err == ""


@pytest.mark.parametrize(
    "text, words",
    [
        ('db = "/x.db"\n[keymap\n', "not valid TOML: Expected ']' at the end of a table declaration (at line 2, column 8)"),
        ('dbb = "/x.db"\n', "unknown key 'dbb'"),
        ("db = 7\n", "db must be the book's path as a string"),
        ("[keymap]\nnew = 7\n", "keymap.new must be a key"),
    ],
)
@pytest.mark.parametrize("argv", [["config"], ["runs"], []], ids=["config", "runs", "app"])
def test_a_bad_file_stops_every_command_in_one_line(configs, db, capsys, monkeypatch, text, words, argv):
    monkeypatch.setattr("tui.cli._open_app", lambda *a: pytest.fail("the app started on a bad configuration"))
    configs.write_user(text)
    code, out, err = cli(capsys, *argv, "--db", str(db))
    assert code == 2
    assert out == ""
    assert err.startswith(f"packdesk: {configs.user}: {words}")
    assert len(err.splitlines()) == 1


def test_a_bad_host_file_is_refused_by_a_real_process_without_a_traceback(configs, tmp_path):
    configs.write_host("db = 'unterminated\n")
    done = cli_process("config", env=cli_env())
    assert done.returncode == 2
    assert done.stderr.startswith(f"packdesk: {configs.host}: not valid TOML: ")
    assert "line 1" in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.splitlines()) == 1


def test_config_runs_where_there_is_no_book_and_makes_none(configs, tmp_path, capsys):
    missing = tmp_path / "nowhere" / "book.db"
    configs.write_host(f'db = "{missing}"\n')
    code, out, err = cli(capsys, "config")
    assert code == 0, err
    assert settings_of(out)["db"] == (str(missing), str(configs.host))
    assert not missing.parent.exists()


def test_the_app_starts_with_the_keymap_of_the_files(configs, db, capsys, monkeypatch):
    from tui.app import PackdeskApp

    configs.write_host('[keymap]\nnew = "ctrl+n"\nfilter = "f"\n')
    configs.write_user('[keymap]\nfilter = "ctrl+f"\n')
    started = []
    monkeypatch.setattr(PackdeskApp, "run", lambda app: started.append(dict(app._keymap)))
    code, _, err = cli(capsys, "--db", str(db))
    assert code == 0, err
    assert started == [{"new": "ctrl+n", "filter": "ctrl+f"}]
