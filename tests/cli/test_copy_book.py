"""`packdesk copy-book --to URL`: an SQLite book copied into an empty
PostgreSQL database, whole (every table's rows and ids, the ledger's hash
chain as stored, no audit row added) or not at all, then proved; a target
that is not empty, a server that is away, a source that is not an SQLite
book are refused in one line, writing nothing."""

from __future__ import annotations

import re
import secrets
from datetime import date
from decimal import Decimal

import pytest

import store.copy_book as copying
from billing.charges import PriceVersion
from store.models import database
from store.packages import find_package
from store.prices import add_version
from tests.helpers.books import ACME, BLUE, acme, allocate, blue, give_bundle, make_demo_db, opened
from tests.helpers.cli import TODAY, cli, cli_process, write
from tests.helpers.raw import count, query, raw, rows

#: Tables the posted book has rows in (the copy copies every table the schema has).
FILLED = (
    "setting", "upstream_service", "package", "package_price", "customer", "allocation", "usage_import", "usage",
    "billing_run", "ledger", "payment", "audit",
)


def book_tables(db) -> list[str]:
    """Every table of the book's schema but the migrations' record (the target's is made with its schema)."""
    found = query(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' ORDER BY name")
    return [name for (name,) in found if name != "schema_migration"]


def posted_book(tmp_path, capsys):
    """The demo book with allocations (one changed from a date: a successor),
    imported usage, two committed runs, payments, a reversal and a price
    version: every table has rows."""
    db = make_demo_db(tmp_path / "book.db")
    assert cli(capsys, "settings", "--db", str(db), "--test-clock", "on")[0] == 0
    with opened(db):
        for name in ("UK DID rental", "Hosted PBX seat", "Daily test number", "SIP trunk 10 channels"):
            allocate(acme(), find_package(name), date(2025, 1, 5), auto=True, quantity=2)
        allocate(blue(), find_package("Fax to email"), date(2025, 2, 1))
        give_bundle(blue(), date(2025, 1, 1))
    usage = write(tmp_path / "usage.csv", f"customer,date,amount,source\n{BLUE},2025-02-03,120.50,cdr-1\n{BLUE},2025-03-04,80,cdr-2\n")
    steps = [
        ("import", "usage", str(usage)),
        ("run", "--today", TODAY.isoformat(), "--date", "2025-02-28", "--commit"),
        ("pay", "--customer", ACME, "--amount", "100", "--date", "2025-03-02"),
        ("pay", "--customer", BLUE, "--amount", "12.5", "--date", "2025-03-03", "--kind", "credit"),
        ("reverse", "2", "--date", "2025-03-05"),
        ("change", "--customer", ACME, "--allocation", "2", "--from", "2025-03-10", "--quantity", "3"),
        ("run", "--today", TODAY.isoformat(), "--date", "2025-04-09", "--commit"),
    ]
    for step in steps:
        code, _out, err = cli(capsys, *step, "--db", str(db))
        assert code == 0, (step, err)
    with opened(db), database.atomic():
        add_version(find_package("Fax to email").id, PriceVersion(date(2025, 6, 1), Decimal("3.00"), Decimal("1.00")))
    return db


def copy(capsys, db, url, *extra):
    return cli(capsys, "copy-book", "--db", str(db), "--today", TODAY.isoformat(), "--to", url, *extra)


def pg_tables(url) -> set[str]:
    return {t for (t,) in query(url, "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")}


def left_nothing(url) -> bool:
    """No table, no packdesk function: the database is as empty as it was made."""
    functions = query(url, "SELECT COUNT(*) FROM pg_proc WHERE proname LIKE 'packdesk%' OR proname LIKE 'audit%'")
    return not pg_tables(url) and functions == [(0,)]


def test_the_copy_is_the_book_row_for_row_and_proves_it(tmp_path, capsys, empty_pg):
    db = posted_book(tmp_path, capsys)
    tables = book_tables(db)
    assert set(FILLED) <= set(tables)
    for table in FILLED:
        assert count(db, table) > 0, table
    before = {table: rows(db, table) for table in tables}

    code, out, err = copy(capsys, db, empty_pg)
    assert code == 0, err
    assert err == ""
    for table in tables:
        assert rows(empty_pg, table) == before[table], table  # ids, hashes, audit as stored: nothing added
    assert "DIFFERENT" not in out
    assert "check: ok" in out
    lines = sum(1 for line in cli(capsys, "charges", "--db", str(db), "--from", "2025-04-10", "--to", "2026-04-09",
                                  "--format", "csv")[1].splitlines()) - 1
    assert lines > 100 and f"charges, next 12 months (2025-04-10 to 2026-04-09): {lines:,} lines, identical" in out
    for table in tables + ["schema_migration"]:
        assert re.search(rf"^  {table} +{count(db, table):,} rows?  same$", out, re.M), table
    # The copy's own check and charges, run apart from the proof, agree.
    code, check_out, check_err = cli(capsys, "check", "--db", empty_pg)
    assert code == 0, check_err
    assert f"Ledger: {count(db, 'ledger')} line(s)" in check_out
    for fmt in ("csv", "table"):
        argv = ("--from", "2025-04-10", "--to", "2026-04-09", "--format", fmt, "--today", TODAY.isoformat())
        assert cli(capsys, "charges", "--db", empty_pg, *argv)[1] == cli(capsys, "charges", "--db", str(db), *argv)[1]
    # The source is untouched.
    assert {table: rows(db, table) for table in tables} == before


def test_the_copy_takes_new_rows_after_the_copied_ids_with_its_triggers_on(tmp_path, capsys, empty_pg):
    db = posted_book(tmp_path, capsys)
    assert copy(capsys, db, empty_pg)[0] == 0
    audits = count(empty_pg, "audit")
    code, out, err = cli(capsys, "pay", "--db", empty_pg, "--customer", ACME, "--amount", "7", "--date", "2025-04-10")
    assert code == 0, err
    assert f"Recorded payment {count(db, 'payment') + 1}:" in out
    assert count(empty_pg, "audit") > audits  # the audit trigger is on again
    assert query(empty_pg, "SELECT MAX(id) FROM audit") == [(count(empty_pg, "audit"),)]
    con = raw(empty_pg)
    with pytest.raises(Exception, match="append-only"):
        con.execute("UPDATE ledger SET amount = 1 WHERE id = 1")
    con.close()
    assert cli(capsys, "check", "--db", empty_pg)[0] == 0


def test_a_target_that_is_not_empty_is_refused_untouched(tmp_path, capsys, empty_pg):
    db = make_demo_db(tmp_path / "book.db")
    con = raw(empty_pg)
    con.execute("CREATE TABLE other (x int)")
    con.execute("INSERT INTO other VALUES (1)")
    con.commit()
    con.close()
    code, out, err = copy(capsys, db, empty_pg)
    assert code == 1 and out == ""
    assert f"packdesk: {empty_pg} is not empty: copy-book copies into an empty database" in err
    assert err.count("\n") == 1 and "nothing was written" in err
    assert pg_tables(empty_pg) == {"other"} and query(empty_pg, "SELECT x FROM other") == [(1,)]


def test_a_database_holding_a_book_is_refused(tmp_path, capsys, empty_pg):
    db = make_demo_db(tmp_path / "book.db")
    assert cli(capsys, "init", "--db", empty_pg)[0] == 0
    made = pg_tables(empty_pg)
    code, _out, err = copy(capsys, db, empty_pg)
    assert code == 1 and "is not empty" in err
    assert pg_tables(empty_pg) == made and count(empty_pg, "package") == 0 and count(empty_pg, "audit") == 0


def test_a_row_postgresql_refuses_leaves_the_target_empty(tmp_path, capsys, empty_pg):
    db = posted_book(tmp_path, capsys)
    con = raw(db)
    # The audit table is copied after the ledger and the payments.
    con.execute("INSERT INTO audit (by, entity, entity_id, action) VALUES ('x', 'package', 'not a number', 'insert')")
    con.commit()
    con.close()
    code, out, err = copy(capsys, db, empty_pg)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "copying audit" in err and "not a number" in err and f"nothing was written ({empty_pg} is still empty)" in err
    assert left_nothing(empty_pg)


def test_a_failure_after_every_row_is_copied_leaves_the_target_empty(tmp_path, capsys, empty_pg, monkeypatch):
    import psycopg

    db = posted_book(tmp_path, capsys)
    copied = []
    real = copying._copy_table

    def copy_table(con, cursor, table, columns):
        copied.append(table)
        return real(con, cursor, table, columns)

    def lost(cursor, tables):
        raise psycopg.OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(copying, "_copy_table", copy_table)
    monkeypatch.setattr(copying, "_sequences", lost)
    code, _out, err = copy(capsys, db, empty_pg)
    assert sorted(copied) == book_tables(db)
    assert code == 1 and "setting the id sequences" in err and "server closed the connection" in err
    assert left_nothing(empty_pg)
    # Then a copy that goes through.
    monkeypatch.undo()
    assert copy(capsys, db, empty_pg)[0] == 0
    assert not left_nothing(empty_pg)


def test_a_copy_that_differs_is_named_and_exits_1(tmp_path, capsys, empty_pg, monkeypatch):
    db = posted_book(tmp_path, capsys)
    real = copying._copy_table

    def copy_table(con, cursor, table, columns):
        copied = real(con, cursor, table, columns)
        if table == "ledger":  # the append-only guard is off while the copy runs
            cursor.execute("DELETE FROM ledger WHERE id = (SELECT MAX(id) FROM ledger)")
        if table == "allocation":
            cursor.execute("UPDATE allocation SET quantity = quantity + 1 WHERE id = 1")
        return copied

    monkeypatch.setattr(copying, "_copy_table", copy_table)
    code, out, err = copy(capsys, db, empty_pg)
    assert code == 1
    lines = count(db, "ledger")
    assert f"{lines:,} rows in the book, {lines - 1:,} rows in the copy  DIFFERENT" in out
    assert "ledger chain head:" in out and "in the copy  DIFFERENT" in out
    assert "check: FAILS on the copy" in out and "does not extend head" in out
    assert "the first difference is line" in out and "  book: " in out and "  copy: " in out
    assert "payment " in out and "DIFFERENT" not in next(line for line in out.splitlines() if "  payment " in line)
    assert f"the copy in {empty_pg} differs from the book (ledger rows, ledger chain head, check fails, charges" in err


def test_a_server_that_is_away_is_one_line(tmp_path):
    db = make_demo_db(tmp_path / "book.db")
    done = cli_process("copy-book", "--db", str(db), "--to", "postgresql://postgres@127.0.0.1:1/test")
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "can't open the PostgreSQL database postgresql://postgres@127.0.0.1:1/test" in done.stderr
    assert "not reachable" in done.stderr


def test_the_source_must_be_an_sqlite_book_that_exists(tmp_path, capsys, empty_pg):
    code, _out, err = copy(capsys, tmp_path / "missing.db", empty_pg)
    assert code == 1 and "there is no book at" in err and err.count("\n") == 1
    assert not (tmp_path / "missing.db").exists()
    code, _out, err = cli(capsys, "copy-book", "--db", empty_pg, "--to", empty_pg)
    assert code == 2 and "is a PostgreSQL book: copy-book copies an SQLite book" in err
    db = make_demo_db(tmp_path / "book.db")
    code, _out, err = cli(capsys, "copy-book", "--db", str(db), "--to", str(tmp_path / "other.db"))
    assert code == 2 and "copy-book copies into a PostgreSQL database" in err
    assert not (tmp_path / "other.db").exists()
    assert left_nothing(empty_pg)


@pytest.fixture
def owned_pg(empty_pg):
    """The empty database, owned by a new login role that is not a superuser
    (dropped after): its URL as that role."""
    role = f"pdt_owner_{secrets.token_hex(3)}"
    name = empty_pg.rsplit("/", 1)[1]
    con = raw(empty_pg)
    con.con.autocommit = True
    con.execute(f'CREATE ROLE "{role}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE')
    con.execute(f'ALTER DATABASE "{name}" OWNER TO "{role}"')
    con.close()
    scheme, rest = empty_pg.split("://", 1)
    try:
        yield f"{scheme}://{role}@{rest.split('@', 1)[1]}"
    finally:
        con = raw(empty_pg)
        con.con.autocommit = True
        con.execute(f'REASSIGN OWNED BY "{role}" TO CURRENT_USER')
        con.execute(f'DROP ROLE IF EXISTS "{role}"')
        con.close()


def test_the_database_owner_needs_no_superuser(tmp_path, capsys, owned_pg):
    db = posted_book(tmp_path, capsys)
    assert query(owned_pg, "SELECT rolsuper FROM pg_roles WHERE rolname = session_user") == [(False,)]
    code, out, err = copy(capsys, db, owned_pg)
    assert code == 0, err
    assert "check: ok" in out and "identical" in out
    assert rows(owned_pg, "audit") == rows(db, "audit") and rows(owned_pg, "ledger") == rows(db, "ledger")
