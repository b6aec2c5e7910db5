"""How free-minutes bundles look at 80x24 (pytest-textual-snapshot): the
package form editing a bundle, a customer's minutes used and left, and the
calls screen with covered calls marked. Today is fixed (conftest), workers
have finished, no cursor blinks and no notification is left on screen, as
in test_snapshots."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from textual.widgets import Input

from billing.accounts import AllocationDraft
from billing.catalogue import PackageDraft
from billing.package_kind import FREE_MINUTES
from billing.schedule import Frequency
from store.allocations import create_allocation
from store.calls import import_calls
from store.packages import create_package
from tests.helpers.books import customer
from tests.helpers.cli import write
from tests.helpers.pilot import SIZE, settle

pytestmark = pytest.mark.both_engines

D = Decimal
CALLS = (
    "call_id,customer,start,destination,seconds,cost\n"
    "o1,Acme Telecom,2026-10-30 10:00:00,447000000001,600,0.60\n"
    "a1,Acme Telecom,2026-11-02 09:00:00,447000000002,1800,1.80\n"
    "a2,Acme Telecom,2026-11-10 12:00:00,33100000000,600,0.90\n"
    "a3,Acme Telecom,2026-11-20 08:15:00,919800000003,300,0.45\n"
    "a4,Acme Telecom,2026-11-24 18:00:00,447000000004,4200,4.20\n"
)


def steady(*keys: str):
    """A run_before: press `keys` (letting workers finish after each), then
    stop the cursor blinking and clear toasts."""

    async def run_before(pilot) -> None:
        await pilot.pause()
        for key in keys:
            await pilot.press(key)
            await settle(pilot, 2)
        for box in pilot.app.screen.query(Input):
            box.cursor_blink = False
        pilot.app.clear_notifications()
        await pilot.pause()

    return run_before


@pytest.fixture
def bundle_app(book, make_app, tmp_path):
    """Acme Telecom: 'UK and India 100' (100 minutes a month from the 1st to
    44 and 91, retail 10.00) from 2026-11-01 and a line rental, and five calls."""
    bundle = create_package(PackageDraft(
        "UK and India 100", D("10"), D("2.50"), frequency=Frequency.MONTHLY, match=(1,),
        description="Calls to the UK and India", type=FREE_MINUTES, destinations=("44", "91"), free_minutes=100,
    ))
    line = create_package(PackageDraft("Line rental", D("5"), D("1"), frequency=Frequency.MONTHLY, match=(1,)))
    acme = customer("Acme Telecom")
    create_allocation(acme.id, bundle.id, AllocationDraft(1, date(2026, 11, 1), None, False, False, "HQ"))
    create_allocation(acme.id, line.id, AllocationDraft(1, date(2026, 11, 1), None, False, False, ""))
    import_calls(write(tmp_path / "calls.csv", CALLS))
    return make_app(book)


def test_package_form_editing_a_bundle(snap_compare, bundle_app):
    # Line rental, UK and India 100: the second.
    assert snap_compare(bundle_app, terminal_size=SIZE, run_before=steady("down", "enter"))


def test_customer_screen_with_a_bundles_minutes(snap_compare, bundle_app):
    assert snap_compare(bundle_app, terminal_size=SIZE, run_before=steady("f3", "enter"))


def test_calls_screen_with_covered_calls_marked(snap_compare, bundle_app):
    assert snap_compare(bundle_app, terminal_size=SIZE, run_before=steady("f3", "enter", "c"))
