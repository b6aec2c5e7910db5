"""Margin % is billing.summary.margin_percent wherever it is shown: retail 8.00
and cost 7.02 is 12.25%, which is 12.3% rounded half up (12.2% rounded half
to even), in the package panel, the allocation form's projection, the
customer projection and the book projection alike."""

from __future__ import annotations

import pytest

import re
from decimal import Decimal


from billing.accounts import AllocationDraft, CustomerDraft
from billing.catalogue import PackageDraft
from billing.schedule import Frequency
from billing.summary import margin_percent
from store.allocations import create_allocation
from store.customers import create_customer
from store.packages import create_package
from tui.screens.allocation_form import AllocationFormScreen
from tui.screens.customer import CustomerScreen
from tui.screens.customer_list import CustomerListScreen
from tui.screens.package_form import PackageFormScreen
from tui.screens.projections import BookProjectionScreen, CustomerProjectionScreen

from tests.helpers.pilot import TODAY, opens, panel_text, press, rendered, running, settle

pytestmark = pytest.mark.both_engines

D = Decimal


def test_the_rule_gives_12_3():
    assert margin_percent(D("8.00"), D("7.02")) == D("12.3")


async def test_retail_8_cost_7_02_shows_12_3_percent_everywhere(book, make_app):
    package = create_package(PackageDraft("Thin line", D("8.00"), D("7.02"), frequency=Frequency.MONTHLY))
    acme = create_customer(CustomerDraft("Acme Telecom", "active", D("0"), ""))
    create_allocation(acme.id, package.id, AllocationDraft(1, TODAY))
    app = make_app(book)
    async with running(app) as pilot:
        # The package panel: per month 8.00 retail, 7.02 cost.
        await opens(pilot, PackageFormScreen, "enter")
        margin_line = next(line for line in panel_text(app.screen).splitlines() if line.startswith("Margin/mo"))
        assert margin_line.split()[1:] == ["0.98", "12.3%"]
        await press(pilot, "escape")

        # The allocation form's projection: 12 charges of 8.00 / 7.02.
        await opens(pilot, CustomerListScreen, "f3")
        await opens(pilot, CustomerScreen, "enter")
        await opens(pilot, AllocationFormScreen, "enter")
        text = rendered(app.screen.query_one("#projection-body"))
        assert "Projection 2026-11-25 to 2027-11-24: 12 charge(s) · margin 12.3%" in text
        await press(pilot, "escape")

        # The customer projection.
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, CustomerProjectionScreen)
        text = rendered(app.screen.query_one("#months"))
        assert "· 12 charge line(s) · margin 12.3%" in text

        # The book projection: the heading and the package's row.
        await pilot.press("f4")
        await settle(pilot)
        assert isinstance(app.screen, BookProjectionScreen)
        assert "· 12 charge line(s) · margin 12.3%" in rendered(app.screen.query_one("#months"))
        packages = rendered(app.screen.query_one("#packages"))
        row = next(line.split() for line in packages.splitlines() if line.strip().startswith("Thin line"))
        assert row[2:] == ["12", "96.00", "84.24", "11.76", "12.3"]
        assert not re.search(r"12\.2\b", packages)
