"""Posted lines and payments are append-only in the database, and chained:
a line changed behind packdesk's back is found, and a head kept from an
earlier run proves the ledger was not rewritten even if every hash was redone."""

from __future__ import annotations

import sqlite3
from datetime import date
from decimal import Decimal

import pytest

from billing.accounts import AllocationDraft, CustomerDraft
from billing.catalogue import PackageDraft
from billing.schedule import Frequency
from store import chain
from store.allocations import create_allocation
from store.customers import create_customer
from store.packages import create_package
from store.payments import record_payment, reverse_payment
from store.runs import commit_run, plan_run
from tests.helpers.raw import raw

pytestmark = pytest.mark.both_engines

D = Decimal
RUN = date(2026, 1, 10)


@pytest.fixture
def posted(book):
    did = create_package(PackageDraft("DID", D("1.25"), D("0.30"), frequency=Frequency.DAILY))
    acme = create_customer(CustomerDraft("Acme"))
    create_allocation(acme.id, did.id, AllocationDraft(2, date(2026, 1, 1), None, True))
    result = commit_run(plan_run(RUN, RUN, 2), RUN)
    payment = record_payment(acme.id, RUN, D("50"))
    reverse_payment(payment.id, RUN)
    return result


@pytest.mark.sqlite_only("tampers through sqlite3 (executescript, SQLite's error text)")
def test_posted_lines_and_payments_refuse_update_and_delete(book, posted):
    con = raw(book, user="mallory")
    for sql in (
        "UPDATE ledger SET amount = 0 WHERE id = 1",
        "DELETE FROM ledger WHERE id = 1",
        "UPDATE payment SET amount = 1 WHERE id = 1",
        "DELETE FROM payment",
    ):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            con.execute(sql)
    con.close()
    assert chain.verify("ledger").ok and chain.verify("payment").ok


def test_a_run_gives_the_head_and_the_chain_verifies(book, posted):
    assert posted.posted == 10 and len(posted.head) == 64
    verdict = chain.verify("ledger", expected_head=posted.head)
    assert (verdict.lines, verdict.head, verdict.broken_at, verdict.found_head) == (10, posted.head, None, True)
    assert chain.verify("payment").lines == 2


@pytest.mark.sqlite_only("forges a line by dropping SQLite's triggers with sqlite3")
def test_a_forged_line_is_named(book, posted):
    con = raw(book, user="mallory")
    con.executescript(
        "DROP TRIGGER ledger_append_only_update; UPDATE ledger SET amount = 1000 WHERE id = 4;"
    )
    con.close()
    verdict = chain.verify("ledger")
    assert not verdict.ok and verdict.broken_at == 4 and verdict.lines == 3


@pytest.mark.sqlite_only("rewrites history through sqlite3")
def test_history_rewritten_with_every_hash_redone_no_longer_extends_the_kept_head(book, posted):
    kept = posted.head
    con = raw(book, user="mallory")
    con.executescript("DROP TRIGGER ledger_append_only_update; UPDATE ledger SET amount = 1 WHERE id = 2;")
    rows = con.execute(f"SELECT id, {', '.join(chain.LEDGER_COLUMNS)} FROM ledger ORDER BY id").fetchall()
    previous = chain.GENESIS
    for row in rows:  # the forger recomputes every hash after the change
        previous = chain.link(previous, row[1:])
        con.execute("UPDATE ledger SET hash = ? WHERE id = ?", (previous, row[0]))
    con.commit()
    con.close()
    assert chain.verify("ledger").ok  # consistent in itself ...
    verdict = chain.verify("ledger", expected_head=kept)
    assert verdict.found_head is False and not verdict.ok  # ... but not the ledger the run left


def test_later_runs_extend_the_head(book, posted):
    later = commit_run(plan_run(date(2026, 1, 12), date(2026, 1, 12), 2), date(2026, 1, 12))
    assert later.posted == 2  # the 11th and the 12th
    assert chain.verify("ledger", expected_head=posted.head).found_head is True
    assert chain.verify("ledger").head == later.head


def test_a_run_that_meets_lines_another_run_posted_keeps_the_chain_whole(book):
    did = create_package(PackageDraft("DID", D("1"), frequency=Frequency.DAILY))
    acme = create_customer(CustomerDraft("Acme"))
    create_allocation(acme.id, did.id, AllocationDraft(1, date(2026, 1, 1)))
    late = plan_run(date(2026, 1, 20), date(2026, 1, 20), 2)  # planned before the other run posts
    early = commit_run(plan_run(date(2026, 1, 10), date(2026, 1, 10), 2), date(2026, 1, 10))
    assert early.posted == 10
    result = commit_run(late, date(2026, 1, 20), batch_size=7)  # batches part posted, part new
    assert (result.posted, result.already) == (10, 10)
    assert [c.date.day for _, c in result.posted_lines] == list(range(11, 21))
    verdict = chain.verify("ledger")
    assert verdict.ok and verdict.lines == 20


def test_the_fast_chain_gives_the_same_hashes_as_the_plain_one():
    rows = [(1, 2, 3, "recurring", "2026-01-01", "2026-01-01", "2026-01-31", 2, 2500000, 600000, 1, 0, 0, 0, 1, 7, "t", "me")] * 3
    slow = [digest for _, digest in chain.chained(chain.GENESIS, rows)]
    fast = [row[-1] for row in chain.chained_plain(chain.GENESIS, rows)]
    assert fast == slow and len(set(fast)) == 3
