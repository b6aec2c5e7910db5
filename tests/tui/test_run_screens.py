"""The billing run (f5), the customer statement with payments and reversals
(s on a customer), the audit log (f6), and lists refreshing on their own when
another connection commits to the book (SQLite's PRAGMA data_version,
PostgreSQL's LISTEN/NOTIFY).

What the book holds is always read back with a plain connection (sqlite3, or
psycopg on PostgreSQL: tests/helpers/raw.py), so the tests see what is in the
book, not what a store function says is there.
"""

from __future__ import annotations

import time
from datetime import date
from decimal import Decimal

import pytest
from textual.widgets import Input, Static

from billing.catalogue import PackageDraft
from billing.money import from_micros
from billing.schedule import Frequency
from store import packages as package_store
from store.book import current_user
from store.runs import commit_run, plan_run
from tui.screens.customer import CustomerScreen
from tui.screens.billing_run import BillingRunScreen
from tui.screens.customer_form import CustomerFormScreen
from tui.screens.customer_list import CustomerListScreen
from tui.screens.dialogs import ChoiceScreen
from tui.screens.package_list import PackageListScreen
from tui.screens.audit import AuditScreen
from tui.screens.statement import PaymentScreen, StatementScreen
from tui.widgets.paged_table import PagedTable

from tests.helpers.raw import count, ledger_keys, query, raw
from tests.helpers.pilot import (
    SIZE, TODAY, focus_and_type, messages, money, names, opens, press, replace_text, rows_of, running, settle,
    static_text,
)

pytestmark = pytest.mark.both_engines

D = Decimal
AFTER_TODAY = date(2026, 12, 20)

#: What plan_run gives for run_book (conftest) on TODAY (2026-11-25), checked
#: against plan_run itself in the tests: Acme Telecom has 2 Hosted PBX seats
#: from 2026-10-10 (auto decrement), Blue Fish Ltd 3 UK DID rentals from
#: 2026-09-20 and a Hosted PBX seat that only starts on 2026-12-10.
ACME_RETAIL = D("74.00")  # setup 50.00 + November 24.00
ACME_COST = D("24.40")
BLUE_RETAIL = D("24.00")  # setup 15.00 + October 4.50 + November 4.50
BLUE_COST = D("5.70")


# --- the book -----------------------------------------------------------------------


@pytest.fixture
def posted_book(run_book):
    """run_book with every charge up to TODAY posted (through the store)."""
    plan = plan_run(TODAY, TODAY, run_book.settings.precision)
    result = commit_run(plan, TODAY)
    assert result.posted == len(plan.lines) > 0
    return run_book


def payments(book) -> list[tuple[int, str, Decimal, int | None]]:
    """(id, kind, amount, reverses_id) of every payment row."""
    rows = query(book, "SELECT id, kind, amount, reverses_id FROM payment ORDER BY id")
    return [(i, k, from_micros(a), r) for i, k, a, r in rows]


def customer_id(book, name: str) -> int:
    return query(book, "SELECT id FROM customer WHERE name = ?", (name,))[0][0]


def kept_balance(book, name: str) -> Decimal:
    return from_micros(query(book, "SELECT balance FROM customer WHERE name = ?", (name,))[0][0])


# --- reading the screens --------------------------------------------------------------


async def open_run(pilot) -> BillingRunScreen:
    await pilot.pause()
    await pilot.press("f5")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, BillingRunScreen), screen
    return screen


async def preview_with(pilot, field: str, value: str) -> None:
    """`value` typed into the run screen's `field` (date or customer), enter:
    the preview it asks for, computed."""
    await focus_and_type(pilot, f"#run-{field}", value)
    await pilot.press("enter")
    await settle(pilot)


def run_status(screen) -> str:
    return static_text(screen, "#run-status")


def plan_rows(plan) -> list[list[str]]:
    kinds = {"setup": "setup", "recurring": "recurring", "minimum_spend": "min.spend"}
    return [
        [c.date.isoformat(), a.customer, a.package, kinds[c.kind], money(c.amount), money(c.cost)]
        for a, c in plan.lines
    ]


# --- billing run: preview ----------------------------------------------------------------


async def test_f5_previews_the_charges_due_up_to_today_with_totals_per_customer(run_book, make_app):
    app = make_app(run_book)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_run(pilot)
        assert static_text(screen, "#title") == "packdesk · Billing run"
        assert screen.query_one("#run-date", Input).value == TODAY.isoformat()
        assert screen.query_one("#run-customer", Input).value == ""

        assert rows_of(screen, "#run-customers") == [
            ["Acme Telecom", "2", money(ACME_RETAIL), money(ACME_COST), money(ACME_RETAIL - ACME_COST)],
            ["Blue Fish Ltd", "3", money(BLUE_RETAIL), money(BLUE_COST), money(BLUE_RETAIL - BLUE_COST)],
        ]
        retail, cost = ACME_RETAIL + BLUE_RETAIL, ACME_COST + BLUE_COST
        assert run_status(screen) == (
            f"Preview for {TODAY}: 5 charge(s) to post, retail {money(retail)}, cost {money(cost)}, "
            f"margin {money(retail - cost)}. ctrl+s commits."
        )
        # Nothing dated after today, and the allocation starting in December is not there.
        lines = rows_of(screen, "#run-lines")
        assert all(row[0] <= TODAY.isoformat() for row in lines)
        assert lines[0] == ["2026-09-20", "Blue Fish Ltd", "UK DID rental", "setup", "15.00", "3.00"]
        # A preview writes nothing.
        assert count(run_book, "ledger") == 0
        assert count(run_book, "billing_run") == 0


async def test_the_preview_lists_exactly_what_plan_run_gives(run_book, make_app):
    plan = plan_run(TODAY, TODAY, run_book.settings.precision)
    assert len(plan.lines) == 5
    app = make_app(run_book)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_run(pilot)
        assert rows_of(screen, "#run-lines") == plan_rows(plan)
        # The per-customer totals add up to the plan's totals.
        retail, cost = plan.totals()
        totals = rows_of(screen, "#run-customers")
        assert sum(int(row[1]) for row in totals) == len(plan.lines)
        assert sum((D(row[2]) for row in totals), D(0)) == retail
        assert sum((D(row[3]) for row in totals), D(0)) == cost
        assert sum((D(row[4]) for row in totals), D(0)) == retail - cost


async def test_the_customer_field_previews_one_customer(run_book, make_app):
    plan = plan_run(TODAY, TODAY, run_book.settings.precision, customer_id(run_book, "Blue Fish Ltd"))
    app = make_app(run_book)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_run(pilot)
        await preview_with(pilot, "customer", "Blue Fish Ltd")
        assert rows_of(screen, "#run-lines") == plan_rows(plan)
        assert [row[0] for row in rows_of(screen, "#run-customers")] == ["Blue Fish Ltd"]
        assert run_status(screen).startswith(f"Preview for {TODAY}: 3 charge(s) to post, retail {money(BLUE_RETAIL)}")


# --- billing run: commit -------------------------------------------------------------------


async def test_ctrl_s_then_y_posts_the_plan_and_then_there_is_nothing_to_post(run_book, make_app):
    plan = plan_run(TODAY, TODAY, run_book.settings.precision)
    planned = {(a.id, c.kind, c.date.isoformat()) for a, c in plan.lines}
    app = make_app(run_book)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_run(pilot)
        await opens(pilot, ChoiceScreen, "ctrl+s")  # ctrl+s asks before posting
        assert "Post 5 charge(s), retail 98.00 USD" in app.screen.message
        assert count(run_book, "ledger") == 0, "nothing is posted before the answer"

        await pilot.press("y")
        await settle(pilot)
        assert app.screen is screen
        assert count(run_book, "ledger") == len(plan.lines)
        assert set(ledger_keys(run_book)) == planned
        assert query(run_book, "SELECT COUNT(*), SUM(lines) FROM billing_run")[0] == (1, len(plan.lines))
        assert any(m.startswith("Run 1 posted 5 charge(s), retail 98.00") for m in messages(app)), messages(app)
        # Acme's allocation is auto decrement: the posted charges come off its balance.
        assert kept_balance(run_book, "Acme Telecom") == -ACME_RETAIL
        assert kept_balance(run_book, "Blue Fish Ltd") == D(0)

        # The screen previews again: everything up to today is posted.
        assert run_status(screen).startswith(f"Nothing to post for {TODAY}")
        assert rows_of(screen, "#run-lines") == []
        assert rows_of(screen, "#run-customers") == []

        # A second ctrl+s posts nothing and asks nothing.
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        assert "Nothing to post." in messages(app)
        assert count(run_book, "ledger") == len(plan.lines)


async def test_escape_on_the_confirm_writes_nothing(run_book, make_app):
    app = make_app(run_book)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_run(pilot)
        await opens(pilot, ChoiceScreen, "ctrl+s")
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        assert count(run_book, "ledger") == 0
        assert count(run_book, "billing_run") == 0
        assert kept_balance(run_book, "Acme Telecom") == D(0)
        # The preview is still there, unposted.
        assert run_status(screen).startswith(f"Preview for {TODAY}: 5 charge(s) to post")


async def test_a_run_date_after_today_previews_but_ctrl_s_refuses(run_book, make_app):
    run_book.update_settings(test_clock=True)  # the app's TODAY is the book's today: posting stops there
    plan = plan_run(AFTER_TODAY, TODAY, run_book.settings.precision)
    assert len(plan.lines) > 5  # December's charges too
    app = make_app(run_book)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_run(pilot)
        await preview_with(pilot, "date", AFTER_TODAY.isoformat())
        assert run_status(screen).startswith(f"Preview for {AFTER_TODAY}: {len(plan.lines)} charge(s) to post")
        assert rows_of(screen, "#run-lines") == plan_rows(plan)
        assert any(row[0] > TODAY.isoformat() for row in rows_of(screen, "#run-lines"))

        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen, "no confirm: a run after today can't be posted"
        assert any(m.startswith(f"Can't post charges dated after today ({TODAY})") for m in messages(app)), messages(app)
        assert count(run_book, "ledger") == 0
        assert count(run_book, "billing_run") == 0


async def test_an_unknown_customer_shows_a_reason_and_writes_nothing(run_book, make_app):
    app = make_app(run_book)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_run(pilot)
        await preview_with(pilot, "customer", "Nobody Ltd")
        assert run_status(screen) == "customer: 'Nobody Ltd' is not a customer of this book (type the whole name)"
        assert screen.query_one("#run-status", Static).has_class("bad")
        assert count(run_book, "ledger") == 0

        # ctrl+s with the unknown name still in the field must not post the
        # earlier all-customers preview; an operator who answers y to any
        # question still gets nothing written.
        await press(pilot, "ctrl+s")
        confirmed = isinstance(app.screen, ChoiceScreen)
        if confirmed:
            await pilot.press("y")
        await settle(pilot)
        assert count(run_book, "ledger") == 0, (
            "ctrl+s with an unknown customer in the field posted the previous (all customers) preview"
            + (" after a confirm" if confirmed else "")
        )
        assert count(run_book, "billing_run") == 0


# --- statement and payments ---------------------------------------------------------------


async def open_statement(pilot, name: str = "Acme Telecom") -> StatementScreen:
    await pilot.pause()
    listing = await opens(pilot, CustomerListScreen, "f3")
    names_shown = [row[0] for row in rows_of(listing, "#customers")]
    listing.query_one(PagedTable).move_cursor(row=names_shown.index(name))
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, CustomerScreen)
    await pilot.press("s")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, StatementScreen), screen
    assert screen.customer.name == name
    return screen


def statement_rows(screen) -> list[list[str]]:
    return rows_of(screen, "#st-lines")


def balance_now(screen) -> Decimal:
    summary = static_text(screen, "#st-summary")
    marker = "balance now "
    assert marker in summary, summary
    return D(summary.split(marker, 1)[1].split()[0])


async def test_statement_shows_ledger_lines_and_the_running_balance(posted_book, make_app):
    app = make_app(posted_book)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_statement(pilot)
        assert static_text(screen, "#title") == "Statement · Acme Telecom"
        rows = statement_rows(screen)
        assert [row[:2] for row in rows] == [["2026-10-10", "charge"], ["2026-11-01", "charge"]]
        assert rows[0][2].startswith("2 x Hosted PBX seat setup")
        assert [row[3:] for row in rows] == [["50.00", "", "-50.00"], ["24.00", "", "-74.00"]]
        assert balance_now(screen) == -ACME_RETAIL
        assert "opening 0.00" in static_text(screen, "#st-summary")

        # Blue Fish Ltd's allocation has no auto decrement: unbilled lines, balance 0.
        await press(pilot, "escape", "escape", "escape")
        blue = await open_statement(pilot, "Blue Fish Ltd")
        rows = statement_rows(blue)
        assert [row[1] for row in rows] == ["unbilled"] * 3
        assert [row[3] for row in rows] == ["15.00 u", "4.50 u", "4.50 u"]
        assert all(row[5] == "" for row in rows)
        assert balance_now(blue) == D(0)
        assert "unbilled (no auto decrement, for invoicing) 24.00" in static_text(blue, "#st-summary")


@pytest.mark.parametrize(("typed", "reason"), [("-5", "can't be negative"), ("abc", "")])
async def test_a_bad_payment_amount_is_refused_with_a_reason(posted_book, make_app, typed, reason):
    app = make_app(posted_book)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_statement(pilot)
        form = await opens(pilot, PaymentScreen, "n")
        assert form.query_one("#pay-date", Input).value == TODAY.isoformat()
        await focus_and_type(pilot, "#pay-amount", typed)
        error = static_text(form, "#pay-error")
        assert error.startswith("amount: ") and len(error) > len("amount: "), error
        assert reason in error

        await press(pilot, "ctrl+s")
        assert app.screen is form, "a bad amount must not close the form"
        assert form.query_one("#pay-error", Static).has_class("shown")
        assert any(m.startswith("Not saved: amount") for m in messages(app)), messages(app)
        assert payments(posted_book) == []
        assert kept_balance(posted_book, "Acme Telecom") == -ACME_RETAIL

        await press(pilot, "escape")
        assert app.screen is screen
        assert payments(posted_book) == []
        assert balance_now(screen) == -ACME_RETAIL


async def test_a_payment_moves_the_balance_and_r_y_reverses_it(posted_book, make_app):
    app = make_app(posted_book)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_statement(pilot)
        before = balance_now(screen)
        assert before == -ACME_RETAIL

        await opens(pilot, PaymentScreen, "n")
        await focus_and_type(pilot, "#pay-amount", "250")
        assert static_text(app.screen, "#pay-error") == ""
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen

        saved = payments(posted_book)
        assert len(saved) == 1
        pay_id, kind, amount, reverses = saved[0]
        assert (kind, amount, reverses) == ("payment", D("250.00"), None)
        assert query(posted_book, "SELECT date FROM payment WHERE id = ?", (pay_id,))[0][0] == TODAY.isoformat()
        assert kept_balance(posted_book, "Acme Telecom") == before + D("250")
        assert balance_now(screen) == before + D("250.00")
        rows = statement_rows(screen)
        assert rows[-1][:2] == [TODAY.isoformat(), "payment"]
        assert rows[-1][2].startswith(f"#{pay_id}")
        assert rows[-1][4:] == ["250.00", money(before + D("250"))]

        # r on the payment (the last line), then y: a reversal, the original stays.
        screen.query_one(PagedTable).focus()
        await press(pilot, "end")
        assert screen.query_one(PagedTable).cursor_row == len(rows) - 1
        await opens(pilot, ChoiceScreen, "r")
        assert payments(posted_book) == saved, "nothing is reversed before the answer"
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is screen

        after = payments(posted_book)
        assert len(after) == 2
        assert after[0] == saved[0]
        assert after[1][1:] == ("reversal", D("250.00"), pay_id)
        assert kept_balance(posted_book, "Acme Telecom") == before
        assert balance_now(screen) == before
        rows = statement_rows(screen)
        assert [row[1] for row in rows[-2:]] == ["payment", "reversal"]
        assert rows[-1][3] == "250.00" and rows[-1][5] == money(before)

        # The payment can't be reversed twice.
        screen.query_one(PagedTable).move_cursor(row=len(rows) - 2)
        await press(pilot, "r")
        if isinstance(app.screen, ChoiceScreen):
            await pilot.press("y")
            await settle(pilot)
        assert len(payments(posted_book)) == 2
        assert kept_balance(posted_book, "Acme Telecom") == before


async def test_r_on_a_charge_line_says_to_put_the_cursor_on_a_payment(posted_book, make_app):
    app = make_app(posted_book)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_statement(pilot)
        assert screen.query_one(PagedTable).cursor_row == 0
        assert statement_rows(screen)[0][1] == "charge"
        await press(pilot, "r")
        assert app.screen is screen, "no confirm for a charge line"
        assert "Put the cursor on a payment or credit to reverse it." in messages(app)
        assert payments(posted_book) == []


# --- audit log ------------------------------------------------------------------------------


async def test_audit_lists_the_payment_and_a_package_edit_and_slash_filters(posted_book, make_app):
    fax = package_store.find_package("Fax to email")
    package_store.update_package(fax.id, fax.version, PackageDraft(
        "Fax to email", D("2.75"), D("0.90"), D("0"), D("0"), Frequency.WEEKLY, (0,),
        "Fax to e-mail, billed every Monday", "Fax2Email", False, 0))
    app = make_app(posted_book)
    user = current_user()
    async with app.run_test(size=SIZE) as pilot:
        # A payment through the statement screen.
        await open_statement(pilot)
        await press(pilot, "n")
        await focus_and_type(pilot, "#pay-amount", "250")
        await pilot.press("ctrl+s")
        await settle(pilot)
        pay_id = payments(posted_book)[0][0]

        await pilot.press("f6")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AuditScreen)
        rows = rows_of(screen, "#audit")
        # (when, who, what, field, old -> new); what names the package or customer beside its id
        # (changed on purpose: it was "package 6 upd", an id only).
        assert [user, f"package {fax.id} Fax to email", "retail", "2.50 -> 2.75"] in [row[1:] for row in rows]
        assert [user, f"payment {pay_id} Acme Telecom", "amount", "= 250.00"] in [row[1:] for row in rows]
        assert [user, f"payment {pay_id} Acme Telecom", "kind", "= payment"] in [row[1:] for row in rows]
        # Newest first: the payment came after the package edit.
        whats = [row[2] for row in rows]
        assert whats.index(f"payment {pay_id} Acme Telecom") < whats.index(f"package {fax.id} Fax to email")
        assert static_text(screen, "#status") == f"{len(rows)} most recent change(s) and run(s)"

        # / filters as you type.
        assert not screen.query_one("#filter", Input).display
        await press(pilot, "slash")
        assert screen.query_one("#filter", Input).display
        await replace_text(pilot, "retail")
        rows = rows_of(screen, "#audit")
        assert rows and all("retail" in row[3] or "retail" in row[2] for row in rows)
        assert [user, f"package {fax.id} Fax to email", "retail", "2.50 -> 2.75"] in [row[1:] for row in rows]
        assert not any(row[2].startswith("payment") for row in rows)
        assert static_text(screen, "#status") == f"{len(rows)} most recent change(s) and run(s) matching 'retail'"

        await replace_text(pilot, "payment")
        rows = rows_of(screen, "#audit")
        assert rows and all(row[2].startswith("payment") for row in rows)

        # escape clears the filter and shows everything again.
        await press(pilot, "escape")
        assert app.screen is screen
        assert not screen.query_one("#filter", Input).display
        assert any(row[2].startswith("package") for row in rows_of(screen, "#audit"))


# --- refreshing when another connection commits -----------------------------------------------


async def test_the_package_list_shows_another_connections_change_without_a_key(demo_book, make_app):
    app = make_app(demo_book)
    async with running(app) as pilot:
        screen = app.screen
        assert isinstance(screen, PackageListScreen)
        assert "Fax to email" in names(screen)
        fax_id = query(demo_book, "SELECT id FROM package WHERE name = 'Fax to email'")[0][0]

        con = raw(demo_book, user="other-op")
        try:
            with con:
                con.execute(
                    "UPDATE package SET name = 'Fax to email plus', version = version + 1 WHERE id = ?", (fax_id,))
        finally:
            con.close()

        await pilot.pause(2.0)
        assert app.screen is screen
        shown = names(screen)
        assert "Fax to email plus" in shown
        assert "Fax to email" not in shown


async def test_an_open_statement_shows_another_connections_payment_without_a_key(posted_book, make_app):
    app = make_app(posted_book)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_statement(pilot)
        assert balance_now(screen) == -ACME_RETAIL
        rows_before = len(statement_rows(screen))

        con = raw(posted_book, user="other-op")
        try:
            with con:
                con.execute(
                    "INSERT INTO payment (customer_id, date, amount, kind) VALUES (?, ?, ?, 'payment')",
                    (customer_id(posted_book, "Acme Telecom"), TODAY.isoformat(), 100_000_000),
                )
        finally:
            con.close()

        await pilot.pause(2.0)
        assert app.screen is screen
        rows = statement_rows(screen)
        assert len(rows) == rows_before + 1
        assert rows[-1][1] == "payment" and rows[-1][4] == "100.00"
        assert balance_now(screen) == -ACME_RETAIL + D("100")


async def _until(pilot, seen, limit: float) -> float:
    """Wait (the app running) until `seen()`, at most `limit` seconds: how long it took."""
    started = time.monotonic()
    while not seen() and time.monotonic() - started < limit:
        await pilot.pause(0.05)
    return time.monotonic() - started


def _rename_elsewhere(book, old: str, new: str) -> None:
    """Another connection (not packdesk's) renames a customer and commits."""
    con = raw(book, user="other-op")
    try:
        with con:
            con.execute("UPDATE customer SET name = ?, version = version + 1 WHERE name = ?", (new, old))
    finally:
        con.close()


async def test_an_open_customer_list_shows_another_connections_edit_within_two_seconds(demo_customers_book, make_app):
    app = make_app(demo_customers_book)
    async with running(app) as pilot:
        screen = await opens(pilot, CustomerListScreen, "f3")
        assert names(screen) == ["Acme Telecom", "Blue Fish Ltd"]

        _rename_elsewhere(demo_customers_book, "Acme Telecom", "Acme Telecom Group")
        waited = await _until(pilot, lambda: "Acme Telecom Group" in names(screen), 2.0)
        assert names(screen) == ["Acme Telecom Group", "Blue Fish Ltd"], f"not shown after {waited:.1f} s"
        assert waited < 2.0
        assert app.screen is screen
        assert "2 of 2 shown" in static_text(screen, "#status")


async def test_the_apps_own_save_is_not_taken_for_another_connections_change(demo_customers_book, make_app, engine):
    app = make_app(demo_customers_book)
    async with running(app) as pilot:
        screen = await opens(pilot, CustomerListScreen, "f3")
        refreshed: list[float] = []
        refresh = screen.refresh_from_book

        def counted() -> None:
            refreshed.append(time.monotonic())
            refresh()

        screen.refresh_from_book = counted  # what the app calls when the book changed elsewhere

        await opens(pilot, CustomerFormScreen, "n")
        await press(pilot, *"Cobalt Networks")
        await opens(pilot, CustomerListScreen, "ctrl+s")  # saved in a thread: a connection of its own
        assert app.screen is screen and "Cobalt Networks" in names(screen)
        await pilot.pause(2.0)  # more than one look at the book
        if engine == "postgresql":
            # The save's notification comes from one of the app's own connections: not news.
            assert refreshed == []
        # (SQLite's data_version moves for a commit on any other connection, the
        # save thread's too: there the list reads itself once more, harmlessly.)
        before = len(refreshed)

        # Another's commit after it is still seen, once.
        _rename_elsewhere(demo_customers_book, "Blue Fish Ltd", "Blue Fish Group")
        waited = await _until(pilot, lambda: "Blue Fish Group" in names(screen), 2.0)
        assert names(screen) == ["Acme Telecom", "Blue Fish Group", "Cobalt Networks"], f"not shown after {waited:.1f} s"
        await pilot.pause(1.6)
        assert len(refreshed) == before + 1
