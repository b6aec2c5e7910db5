"""Price versions in the app at 80x24: the package form asks from when new
prices take effect (only for a package with allocations) and the panel shows
the charges the change moves; the list shows today's prices; `h` opens the
price history."""

from __future__ import annotations

import pytest

from decimal import Decimal

from store import prices
from store.packages import find_package
from tui.screens.package_form import PackageFormScreen
from tui.screens.package_list import PackageListScreen
from tui.screens.price_history import PriceHistoryScreen

from tests.helpers.pilot import TODAY, focused_id, names, opens, panel_text, press, replace_text, running, table_rows

pytestmark = pytest.mark.both_engines

D = Decimal


def row_of(screen, name: str) -> list[str]:
    return next(row for row in table_rows(screen) if row[0] == name)


async def to_row(pilot, name: str) -> None:
    for _ in range(names(pilot.app.screen).index(name)):
        await pilot.press("down")
    await pilot.pause()


async def new_retail_from(pilot, retail: str, day: str):
    """On the package list: open UK DID rental, type `retail` and the date it takes effect; the form."""
    await to_row(pilot, "UK DID rental")
    form = await opens(pilot, PackageFormScreen, "enter")
    await pilot.press("tab")
    await replace_text(pilot, retail)
    form.query_one("#effective_from").focus()
    await pilot.pause()
    await replace_text(pilot, day)
    return form


async def test_raising_retail_from_the_first_of_next_month(run_book, make_app):
    app = make_app(run_book)
    async with running(app) as pilot:
        await to_row(pilot, "UK DID rental")
        form = await opens(pilot, PackageFormScreen, "enter")
        row = form.query_one("#effective-row")
        assert not row.display  # nothing changed yet: no date asked
        await pilot.press("tab")
        assert focused_id(app) == "retail"
        await replace_text(pilot, "2")
        assert row.display
        assert form.query_one("#effective_from").value == TODAY.isoformat()
        form.query_one("#effective_from").focus()
        await pilot.pause()
        await replace_text(pilot, "2026-12-01")
        panel = panel_text(form)
        # Blue Fish's 3 DIDs: the 1 December line goes from 4.50 to 6.00.
        assert "Prices change from 2026-12-01" in panel
        assert "next charges of 1 allocation(s): 1 line(s)" in panel
        assert "4.50 -> 6.00 (+1.50)" in panel
        await replace_text(pilot, "+6")  # t/+N as elsewhere: 2026-12-01
        assert "Prices change from 2026-12-01" in panel_text(form)
        await press(pilot, "ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, PackageListScreen)
        package = find_package("UK DID rental")
        assert [(v.effective_from.isoformat(), v.retail) for v in prices.history(package.id)][1:] == [("2026-12-01", D("2"))]
        # The list shows today's prices: the change is not in force yet.
        assert row_of(app.screen, "UK DID rental")[1] == "1.50"
        history = await opens(pilot, PriceHistoryScreen, "h")
        rows = table_rows(history)
        assert rows[0][:3] == ["beginning", "2026-11-30", "1.50"] and rows[0][-1] == "today"
        assert rows[1][:3] == ["2026-12-01", "-", "2.00"]
        await opens(pilot, PackageListScreen, "escape")


async def test_a_package_without_allocations_asks_no_date(run_book, make_app):
    app = make_app(run_book)
    async with running(app) as pilot:
        await to_row(pilot, "Call bundle 500")
        form = await opens(pilot, PackageFormScreen, "enter")
        await pilot.press("tab")
        await replace_text(pilot, "600")
        assert not form.query_one("#effective-row").display
        assert "Prices change" not in panel_text(form)
        await press(pilot, "ctrl+s")
        package = find_package("Call bundle 500")
        assert [v.retail for v in prices.history(package.id)] == [D("600")]


async def test_a_bad_date_is_refused_and_nothing_is_saved(run_book, make_app):
    app = make_app(run_book)
    async with running(app) as pilot:
        form = await new_retail_from(pilot, "2", "2026-02-30")
        await press(pilot, "ctrl+s")
        assert app.screen is form
        assert "February 2026 has 28 days" in str(form.query_one("#effective_from-error").render())
        package = find_package("UK DID rental")
        assert len(prices.history(package.id)) == 1


async def test_the_allocation_form_projects_a_price_that_starts_later(run_book, make_app):
    from datetime import date

    from billing.charges import PriceVersion
    from store.customers import find_customer
    from store.scan import iter_allocations
    from tui.screens.allocation_form import AllocationFormScreen

    from tests.helpers.pilot import projection_text

    did = find_package("UK DID rental")
    prices.add_version(did.id, PriceVersion(date(2027, 1, 1), D("2"), D("0.45"), D("5"), D("1")))
    blue = find_customer("Blue Fish Ltd")
    allocation = next(a for a in iter_allocations() if a.customer_id == blue.id and a.package_id == did.id)
    app = make_app(run_book)
    async with running(app) as pilot:
        app.push_screen(AllocationFormScreen(blue, allocation))
        for _ in range(50):
            await pilot.pause()
            if isinstance(app.screen, AllocationFormScreen):
                break
        await pilot.pause()
        text = projection_text(app.screen)
        # 3 DIDs: 4.50 a month at 1.50 until the new price, 6.00 at 2.00 from 1 January.
        assert "2026-12-01" in text and "2027-01-01" in text
        december = next(line for line in text.splitlines() if "2026-12-01" in line)
        january = next(line for line in text.splitlines() if "2027-01-01" in line)
        assert "4.50" in december and "6.00" not in december
        assert "6.00" in january


async def test_the_panel_next_charges_keep_the_old_price_until_the_date(run_book, make_app):
    app = make_app(run_book)
    async with running(app) as pilot:
        form = await new_retail_from(pilot, "2", "2027-01-01")
        lines = panel_text(form).splitlines()
        december = next(line for line in lines if "2026-12-01" in line)
        january = next(line for line in lines if "2027-01-01" in line and "Prices change" not in line)
        assert december.split()[-1] == "1.50"  # before the date: today's price
        assert january.split()[-1] == "2.00"
