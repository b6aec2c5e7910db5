"""Projections: `p` on a customer's screen (their next 12 months, month by month
with tax, then each line) and f4 (the whole book, per month and per package).
Expected figures are worked out here with billing.allocation_charges."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from rich.text import Text

from billing.accounts import AllocationDraft, CustomerDraft
from billing.catalogue import PackageDraft
from billing.charges import allocation_charges
from billing.projection import add_months
from billing.schedule import Frequency
from store import allocations as allocation_store
from store import customers as customer_store
from store import packages as package_store
from store.scan import iter_allocations
from tui.screens.customer import CustomerScreen
from tui.screens.customer_list import CustomerListScreen
from tui.screens.dialogs import ChoiceScreen
from tui.screens.projections import BookProjectionScreen, CustomerProjectionScreen

from tests.helpers.pilot import SIZE, TODAY, money, open_customer, opens, press, rendered, running, settle

pytestmark = pytest.mark.both_engines

D = Decimal
START = TODAY
END = add_months(TODAY, 12) - timedelta(days=1)  # 2027-11-24
MONTHS = ["Nov 2026", "Dec 2026", "Jan 2027", "Feb 2027", "Mar 2027", "Apr 2027", "May 2027",
          "Jun 2027", "Jul 2027", "Aug 2027", "Sep 2027", "Oct 2027", "Nov 2027"]


MONTH = re.compile(r"^([A-Z][a-z]{2} \d{4}|total) +(-?[\d.]+) +(-?[\d.]+) +(-?[\d.]+)(?: +(-?[\d.]+))?")
LINE = re.compile(r"^(\d{4}-\d{2}-\d{2}) (.+?) +(setup|recurring|min\.spend) +(\S+) +([\d.]+) +([\d.]+)$")


def month_rows(text: str) -> dict[str, tuple]:
    rows = {}
    for line in text.splitlines():
        m = MONTH.match(line.strip())
        if m:
            rows[m.group(1)] = tuple(g for g in m.groups()[1:] if g is not None)
    return rows


def expected_charges(customer_id: int | None = None):
    """(allocation, charge) of every charge in the window, straight from billing."""
    found = []
    for allocation in iter_allocations(customer_id):
        for charge in allocation_charges(allocation.package_terms, allocation.terms(), START, END, 2):
            found.append((allocation, charge))
    return found


def expected_months(pairs, tax_percent: Decimal) -> dict[str, tuple]:
    """month -> (retail, cost, margin[, tax]) formatted; tax rounded half up on the month's retail."""
    retail: dict[str, Decimal] = defaultdict(Decimal)
    cost: dict[str, Decimal] = defaultdict(Decimal)
    for _, charge in pairs:
        key = f"{charge.date:%b %Y}"
        retail[key] += charge.amount
        cost[key] += charge.cost
    rows = {}
    totals = [D(0), D(0), D(0)]
    for month in MONTHS:
        r, c = retail[month], cost[month]
        tax = (r * tax_percent / 100).quantize(D("0.01"), rounding=ROUND_HALF_UP)
        rows[month] = (money(r), money(c), money(r - c)) + ((money(tax),) if tax_percent else ())
        totals[0] += r
        totals[1] += c
        totals[2] += tax
    rows["total"] = (money(totals[0]), money(totals[1]), money(totals[0] - totals[1])) + (
        (money(totals[2]),) if tax_percent else ()
    )
    return rows


@pytest.fixture
def projection_book(demo_book):
    """Acme Telecom (tax 20%) and Blue Fish Ltd (no tax) with allocations of
    monthly, weekly and set-up packages, one that ended before today, and the
    'Loss leader' package whose cost is above its retail."""
    package_store.create_package(PackageDraft(
        "Monthly line", D("10"), D("4"), D("25"), D("8"), Frequency.MONTHLY, (31,), "", "DID-UK", False, 30))
    package_store.create_package(PackageDraft(
        "Loss leader", D("5"), D("7"), frequency=Frequency.MONTHLY, match=(1,)))
    acme = customer_store.create_customer(CustomerDraft("Acme Telecom", "active", D("20"), ""))
    blue = customer_store.create_customer(CustomerDraft("Blue Fish Ltd", "active", D("0"), ""))
    find = package_store.find_package
    add = allocation_store.create_allocation
    add(acme.id, find("Monthly line").id, AllocationDraft(2, date(2026, 10, 1)))
    add(acme.id, find("Hosted PBX seat").id, AllocationDraft(1, date(2026, 12, 10)))
    add(acme.id, find("Fax to email").id, AllocationDraft(1, date(2026, 11, 1), date(2027, 1, 31)))
    add(acme.id, find("SIP trunk 10 channels").id, AllocationDraft(1, date(2026, 1, 1), date(2026, 10, 31)))
    add(blue.id, find("Loss leader").id, AllocationDraft(3, date(2026, 11, 1)))
    add(blue.id, find("UK DID rental").id, AllocationDraft(10, date(2026, 6, 1)))
    add(blue.id, find("Monthly line").id, AllocationDraft(1, date(2027, 3, 5), date(2027, 6, 30)))
    return demo_book


async def projection_of(pilot, name: str) -> CustomerScreen:
    """The customer's screen, then p: its projection, computed. Gives the customer's screen."""
    customer = await open_customer(pilot, name)
    await pilot.press("p")
    await settle(pilot)
    return customer


# --- the customer projection -----------------------------------------------------------


async def test_p_shows_the_customer_projection_month_by_month_with_tax(projection_book, make_app):
    app = make_app(projection_book)
    async with app.run_test(size=SIZE) as pilot:
        screen = await projection_of(pilot, "Acme Telecom")
        projection = app.screen
        assert isinstance(projection, CustomerProjectionScreen)
        assert str(projection.query_one("#title").content) == "Projection · Acme Telecom"

        acme = customer_store.find_customer("Acme Telecom")
        pairs = expected_charges(acme.id)
        assert len(pairs) > 20  # monthly, weekly and setup lines
        text = rendered(projection.query_one("#months"))
        assert f"2026-11-25 to 2027-11-24 · tax 20% · {len(pairs)} charge line(s)" in text
        header = next(line for line in text.splitlines() if line.strip().startswith("month"))
        assert header.split() == ["month", "retail", "cost", "margin", "tax"]

        shown = month_rows(text)
        assert list(shown) == MONTHS + ["total"]
        assert shown == expected_months(pairs, D("20"))
        # Spot checks worked out by hand. December: Monthly line 2 x 10 / 4 on 12-31, the PBX
        # seat's setup 25 / 8 on 12-10 (its monthly charge starts 2027-01-01), Fax to email
        # on 4 Mondays x 2.50 / 0.90.
        assert shown["Dec 2026"] == ("55.00", "19.60", "35.40", "11.00")
        # February 2027: Monthly line 20.00 / 8.00, PBX 12.00 / 4.20; the fax ended in January.
        assert shown["Feb 2027"] == ("32.00", "12.20", "19.80", "6.40")

        # Every line beneath, in date order, with its package, kind, period, amount and cost.
        lines_text = rendered(projection.query_one("#lines"))
        lines = [m.groups() for m in (LINE.match(l.strip()) for l in lines_text.splitlines()) if m]
        expected = sorted(pairs, key=lambda p: (p[1].date, p[0].package))
        assert len(lines) == len(expected)
        for (allocation, charge), (day, package, kind, period, amount, cost) in zip(expected, lines):
            assert day == charge.date.isoformat()
            assert package == allocation.package
            assert kind == {"setup": "setup", "recurring": "recurring", "minimum_spend": "min.spend"}[charge.kind]
            assert amount == money(charge.amount)
            assert cost == money(charge.cost)
            assert period.endswith(f"{charge.period_end:%m-%d}")
        assert ("2026-12-10", "Hosted PBX seat", "setup", "12-10..12-10", "25.00", "8.00") in lines
        assert ("2026-11-30", "Monthly line", "recurring", "11-30..12-30", "20.00", "8.00") in lines
        # The ended SIP trunk shows nothing.
        assert "SIP trunk" not in lines_text

        await press(pilot, "escape")
        assert app.screen is screen


async def test_a_customer_without_tax_has_no_tax_column(projection_book, make_app):
    app = make_app(projection_book)
    async with app.run_test(size=SIZE) as pilot:
        await projection_of(pilot, "Blue Fish Ltd")
        text = rendered(app.screen.query_one("#months"))
        header = next(line for line in text.splitlines() if line.strip().startswith("month"))
        assert header.split() == ["month", "retail", "cost", "margin"]
        blue = customer_store.find_customer("Blue Fish Ltd")
        shown = month_rows(text)
        assert shown == expected_months(expected_charges(blue.id), D(0))
        # Loss leader 3 x (5 - 7) = -6.00 and UK DID 10 x (1.50 - 0.45) = 10.50 each month.
        assert shown["Jan 2027"] == ("30.00", "25.50", "4.50")
        # March: + Monthly line x1 (setup 25 / 8 on 03-05, 10 / 4 on 03-31).
        assert shown["Mar 2027"] == ("65.00", "37.50", "27.50")


async def test_a_negative_month_margin_is_shown_negative_in_red(book, make_app):
    package_store.create_package(PackageDraft("Loss leader", D("5"), D("7"), frequency=Frequency.MONTHLY, match=(1,)))
    blue = customer_store.create_customer(CustomerDraft("Blue Fish Ltd", "active", D("0"), ""))
    allocation_store.create_allocation(blue.id, package_store.find_package("Loss leader").id, AllocationDraft(3, date(2026, 11, 1)))
    app = make_app(book)
    async with app.run_test(size=SIZE) as pilot:
        await projection_of(pilot, "Blue Fish Ltd")
        months = app.screen.query_one("#months")
        shown = month_rows(rendered(months))
        assert shown["Dec 2026"] == ("15.00", "21.00", "-6.00")
        assert shown["total"] == ("180.00", "252.00", "-72.00")
        cells = [cell for column in _grid_cells(months.content) for cell in column]
        red = [c for c in cells if isinstance(c, Text) and c.plain == "-6.00"]
        assert len(red) == 12 and all("red" in str(c.style) for c in red)


def _grid_cells(renderable):
    """Every cell of a rich Table and of the tables nested in it, by column."""
    from rich.table import Table

    found = []
    if isinstance(renderable, Table):
        for column in renderable.columns:
            cells = list(column.cells)
            found.append(cells)
            for cell in cells:
                found.extend(_grid_cells(cell))
    return found


async def test_a_customer_with_nothing_to_charge_shows_empty_months(projection_book, make_app):
    customer_store.create_customer(CustomerDraft("Cobalt Networks", "active", D("10"), ""))
    app = make_app(projection_book)
    async with app.run_test(size=SIZE) as pilot:
        await projection_of(pilot, "Cobalt Networks")
        text = rendered(app.screen.query_one("#months"))
        assert "· 0 charge line(s)" in text
        shown = month_rows(text)
        assert shown["total"] == ("0.00", "0.00", "0.00", "0.00")


# --- the book projection ------------------------------------------------------------------


@pytest.mark.parametrize("processes", [1, 2])
async def test_f4_shows_the_book_per_month_and_per_package(projection_book, make_app, monkeypatch, processes):
    from tui import shares

    # Two: another process totals the second half of the customers (as on a large book).
    monkeypatch.setattr(shares, "share_count", lambda: processes)
    app = make_app(projection_book)
    async with running(app) as pilot:
        await pilot.press("f4")
        await settle(pilot)
        screen = app.screen
        assert screen.shown is not None and screen.shown[1]  # finished
        assert isinstance(screen, BookProjectionScreen)
        assert str(screen.query_one("#title").content) == "packdesk · Book projection"

        pairs = expected_charges()
        text = rendered(screen.query_one("#months"))
        assert f"Whole book, 2026-11-25 to 2027-11-24 · {len(pairs):,} charge line(s)" in text
        header = next(line for line in text.splitlines() if line.strip().startswith("month"))
        assert header.split() == ["month", "retail", "cost", "margin"]
        shown = month_rows(text)
        assert list(shown) == MONTHS + ["total"]
        assert shown == expected_months(pairs, D(0))

        # Per package: lines, retail, cost, margin and margin %, best sellers first.
        per: dict[str, list] = defaultdict(lambda: [0, D(0), D(0)])
        for allocation, charge in pairs:
            entry = per[allocation.package]
            entry[0] += 1
            entry[1] += charge.amount
            entry[2] += charge.cost
        packages_text = rendered(screen.query_one("#packages"))
        assert "Per package (what sells, what loses money)" in packages_text
        rows = {}
        order = []
        for line in packages_text.splitlines():
            m = re.match(r"^(.+?) +(\d+) +([\d.]+) +([\d.]+) +(-?[\d.]+) +(-?[\d.]+|-)$", line.strip())
            if m:
                rows[m.group(1)] = m.groups()[1:]
                order.append(m.group(1))
        assert set(rows) == set(per)
        assert order == sorted(per, key=lambda name: per[name][1], reverse=True)
        for name, (count, retail, cost) in per.items():
            margin = retail - cost
            pct = f"{(margin * 100 / retail).quantize(D('0.1'))}"
            assert rows[name] == (str(count), money(retail), money(cost), money(margin), pct), name

        # The package sold below cost: a negative margin, in red.
        assert rows["Loss leader"] == ("12", "180.00", "252.00", "-72.00", "-40.0")
        styled = [cell for row in screen.query_one("#packages").rows if row[0] == "Loss leader" for cell in row if isinstance(cell, tuple)]
        assert styled and styled[0][0] == "-72.00" and "red" in str(styled[0][1])
        positive = [cell for row in screen.query_one("#packages").rows if row[0] == "Monthly line" for cell in row if isinstance(cell, tuple)]
        assert positive and positive[0][0] == rows["Monthly line"][3] and "red" not in str(positive[0][1])
        # An allocation that ended before today is not in the book's future.
        assert "SIP trunk" not in packages_text

        await press(pilot, "escape")
        assert not isinstance(app.screen, BookProjectionScreen)


async def test_f4_from_a_customer_screen_and_back_with_f3(projection_book, make_app):
    app = make_app(projection_book)
    async with app.run_test(size=SIZE) as pilot:
        await projection_of(pilot, "Acme Telecom")
        assert isinstance(app.screen, CustomerProjectionScreen)
        await pilot.press("f4")
        await settle(pilot)
        assert isinstance(app.screen, BookProjectionScreen)
        # f4 opened over what was open, so escape goes back to it (changed on
        # purpose: f4 used to replace it, and escape jumped to the packages).
        assert [type(s).__name__ for s in app.screen_stack[1:]] == [
            "PackageListScreen", "CustomerListScreen", "CustomerScreen", "CustomerProjectionScreen", "BookProjectionScreen",
        ]
        # f3 goes back to the customer list already open instead of opening another.
        await opens(pilot, CustomerListScreen, "f3")
        assert len(app.screen_stack) == 3


async def test_f4_on_an_empty_book(book, make_app):
    app = make_app(book)
    async with running(app) as pilot:
        if isinstance(app.screen, ChoiceScreen):  # the empty book's demo offer
            await press(pilot, "escape")
        await pilot.press("f4")
        await settle(pilot)
        text = rendered(app.screen.query_one("#months"))
        assert "· 0 charge line(s)" in text
        assert month_rows(text)["total"] == ("0.00", "0.00", "0.00")
