"""`packdesk roles` on a PostgreSQL book: three groups, who may do what, the
audit naming the login role, and append-only lines for every group."""

from __future__ import annotations

import secrets

import pytest

from tests.helpers.cli import cli, write
from tests.helpers.raw import query, raw


def _as(url: str, role: str) -> str:
    """`url` logging in as `role` (the test server trusts local roles)."""
    scheme, rest = url.split("://", 1)
    return f"{scheme}://{role}@{rest.split('@', 1)[1]}"


@pytest.fixture
def people(empty_pg):
    """A demo book and three login roles, one in each group; the roles are dropped after."""
    names = {short: f"pdt_{short}_{secrets.token_hex(3)}" for short in ("viewer", "clerk", "billing")}
    try:
        yield empty_pg, names
    finally:
        drop_roles(empty_pg, names.values())


def drop_roles(url: str, names) -> None:
    """Drop login roles a test made (roles are the server's: they outlive its databases)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as con:
        for name in names:
            con.execute(f'DROP ROLE IF EXISTS "{name}"')


def _setup(capsys, url, names):
    assert cli(capsys, "init", "--db", url)[0] == 0
    assert cli(capsys, "demo", "--db", url)[0] == 0
    code, out, err = cli(capsys, "roles", "--db", url)
    assert code == 0, err
    assert "packdesk_clerk" in out and "members:" in out
    for short, name in names.items():
        code, out, err = cli(capsys, "roles", "--db", url, "--grant", name, short)
        assert code == 0, err
        assert f"created login role {name}" in out and f"{name} joined packdesk_{short}" in out
    code, out, err = cli(capsys, "roles", "--db", url)
    for short, name in names.items():
        assert name in out.split(f"packdesk_{short}", 1)[1].split("\n", 2)[1]


def test_each_group_does_what_it_may_and_the_audit_names_who(capsys, people, tmp_path):
    url, names = people
    _setup(capsys, url, names)
    clerk, billing, viewer = (_as(url, names[s]) for s in ("clerk", "billing", "viewer"))
    customers = write(tmp_path / "c.csv", "name\nAcme\n")
    allocations = write(
        tmp_path / "a.csv",
        "customer,package,quantity,start_date,auto_decrement\nAcme,Annual support plan,2,2026-11-01,yes\n",
    )
    assert cli(capsys, "import", "customers", str(customers), "--db", clerk)[0] == 0
    assert cli(capsys, "import", "allocations", str(allocations), "--db", clerk)[0] == 0
    assert cli(capsys, "pay", "--db", clerk, "--customer", "Acme", "--amount", "10", "--date", "2026-11-02")[0] == 0

    code, out, err = cli(capsys, "run", "--db", clerk, "--date", "2026-11-30", "--commit")
    assert code == 1 and "may preview runs but not post them" in err and f"--grant {names['clerk']} billing" in err
    assert query(url, "SELECT COUNT(*) FROM ledger") == [(0,)]
    code, out, err = cli(capsys, "run", "--db", clerk, "--date", "2026-11-30")
    assert code == 0 and "Annual support plan" in out  # the preview works
    code, out, err = cli(capsys, "settings", "--db", clerk, "--usage-grace-days", "2")
    assert code == 1 and "packdesk_billing" in err
    assert cli(capsys, "settings", "--db", clerk)[0] == 0  # reading them is fine

    code, out, err = cli(capsys, "run", "--db", billing, "--date", "2026-11-30", "--commit")
    assert code == 0, err
    assert query(url, "SELECT posted_by, amount FROM ledger") == [(names["billing"], 480_000_000)]

    code, out, err = cli(capsys, "pay", "--db", viewer, "--customer", "Acme", "--amount", "5")
    assert code == 1 and "may read this book but not change it" in err
    code, out, err = cli(capsys, "export", "customers", "--db", viewer)
    assert code == 0 and "Acme" in out
    assert cli(capsys, "check", "--db", viewer)[0] == 0

    who = dict(query(url, "SELECT entity, by FROM audit WHERE entity IN ('customer', 'allocation', 'payment') GROUP BY entity, by"))
    assert who == {"customer": names["clerk"], "allocation": names["clerk"], "payment": names["clerk"]}


@pytest.mark.parametrize("short", ["clerk", "billing"])
def test_posted_lines_payments_and_the_audit_are_append_only_for_every_group(capsys, people, short):
    url, names = people
    _setup(capsys, url, names)
    assert cli(capsys, "run", "--db", url, "--date", "2026-11-30")[0] == 0
    con = raw(_as(url, names[short]))
    for statement in (
        "UPDATE ledger SET amount = 0",
        "DELETE FROM payment",
        "INSERT INTO audit (by, entity, entity_id, action) VALUES ('x', 'customer', 1, 'insert')",
        "DELETE FROM audit",
        "ALTER TABLE customer ADD COLUMN x int",
    ):
        with pytest.raises(Exception, match="permission denied|must be owner"):
            con.execute(statement)
        con.rollback()
    con.close()


def test_a_login_moved_to_another_group_leaves_the_first(capsys, people):
    url, names = people
    _setup(capsys, url, names)
    code, out, err = cli(capsys, "roles", "--db", url, "--grant", names["clerk"], "billing")
    assert code == 0 and f"{names['clerk']} left packdesk_clerk" in out and f"{names['clerk']} joined packdesk_billing" in out
    code, out, err = cli(capsys, "roles", "--db", url, "--grant", names["clerk"], "billing")
    assert code == 0 and "already in packdesk_billing" in out


def test_bad_grants_and_an_sqlite_book_are_refused(capsys, people, tmp_path):
    url, names = people
    assert cli(capsys, "init", "--db", url)[0] == 0
    code, out, err = cli(capsys, "roles", "--db", url, "--grant", "someone", "clerk")
    assert code == 1 and "run `packdesk roles` first" in err
    assert cli(capsys, "roles", "--db", url)[0] == 0
    code, out, err = cli(capsys, "roles", "--db", url, "--grant", "someone", "admin")
    assert code == 1 and "'admin' is not a group" in err
    code, out, err = cli(capsys, "roles", "--db", url, "--grant", "x; DROP TABLE ledger", "clerk")
    assert code == 1 and "is not a role name" in err
    assert query(url, "SELECT COUNT(*) FROM ledger") == [(0,)]
    sqlite_book = tmp_path / "book.db"
    assert cli(capsys, "init", "--db", str(sqlite_book))[0] == 0
    code, out, err = cli(capsys, "roles", "--db", str(sqlite_book))
    assert code == 1 and "roles are for PostgreSQL books" in err and "init --group" in err
