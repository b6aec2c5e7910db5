"""A PostgreSQL book named by URL: `init` makes its schema in an empty
database, the other commands refuse a database without one, and a bad
environment (server down, no such database, no driver) is one line, never a
traceback."""

from __future__ import annotations

import json

from tests.helpers.cli import ROOT, cli, cli_env, cli_process
from tests.helpers.pg import with_database
from tests.helpers.raw import query, raw


def test_init_makes_the_schema_and_the_commands_use_it(capsys, empty_pg):
    code, out, err = cli(capsys, "pay", "--db", empty_pg, "--customer", "Acme", "--amount", "5")
    assert code == 1 and "has no packdesk book in it" in err and "packdesk init --db" in err
    assert query(empty_pg, "SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'") == [(0,)]

    code, out, err = cli(capsys, "init", "--db", empty_pg)
    assert code == 0, err
    assert f"The book {empty_pg} is ready" in out
    code, out, err = cli(capsys, "demo", "--db", empty_pg)
    assert code == 0, err
    code, out, err = cli(capsys, "export", "packages", "--db", empty_pg, "--format", "json")
    names = [p["name"] for p in json.loads(out)]
    assert names == sorted(names, key=str.lower) and "Call bundle 500" in names
    # Money is integer micro-units, dates are dates, names fold case as NOCASE does.
    assert query(empty_pg, "SELECT data_type FROM information_schema.columns WHERE table_name = 'package' AND column_name = 'retail'") == [("bigint",)]
    assert query(empty_pg, "SELECT data_type FROM information_schema.columns WHERE table_name = 'ledger' AND column_name = 'date'") == [("date",)]
    assert query(empty_pg, "SELECT name FROM package WHERE name = 'CALL BUNDLE 500'") == [("Call bundle 500",)]


def test_the_audit_names_the_database_role(capsys, empty_pg):
    assert cli(capsys, "init", "--db", empty_pg)[0] == 0
    assert cli(capsys, "demo", "--db", empty_pg)[0] == 0
    assert query(empty_pg, "SELECT DISTINCT by FROM audit") == [(query(empty_pg, "SELECT session_user")[0][0],)]


def test_a_database_that_is_not_a_book_is_refused(capsys, empty_pg):
    con = raw(empty_pg)
    con.execute("CREATE TABLE other (x int)")
    con.commit()
    con.close()
    code, out, err = cli(capsys, "init", "--db", empty_pg)
    assert code == 1 and "is a PostgreSQL database but not a packdesk book" in err


def test_a_server_that_is_down_or_a_missing_database_is_one_line(empty_pg):
    down = "postgresql://postgres@127.0.0.1:1/test"
    done = cli_process("runs", "--db", down)
    assert done.returncode == 1 and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "can't open the PostgreSQL book" in done.stderr and "not reachable" in done.stderr
    missing = with_database(empty_pg, empty_pg.rsplit("/", 1)[1] + "_gone")
    done = cli_process("runs", "--db", missing)
    assert done.returncode == 1 and "does not exist" in done.stderr and "createdb" in done.stderr
    assert done.stderr.count("\n") == 1


def test_a_password_is_never_shown(empty_pg):
    url = empty_pg.replace("://postgres@", "://postgres:s3cret@")
    done = cli_process("runs", "--db", url)
    assert "s3cret" not in done.stdout + done.stderr


def test_without_the_driver_the_message_says_how_to_install_it(tmp_path):
    blocker = tmp_path / "psycopg"
    blocker.mkdir()
    (blocker / "__init__.py").write_text("raise ImportError('psycopg is not installed here')\n")
    env = cli_env(PYTHONPATH=f"{tmp_path}:{ROOT}")
    done = cli_process("runs", "--db", "postgresql://postgres@127.0.0.1:5432/test", env=env)
    assert done.returncode == 1 and "Traceback" not in done.stderr and done.stderr.count("\n") == 1
    assert "psycopg" in done.stderr and "pip install 'packdesk[postgres]'" in done.stderr
