"""store.allocations: saving with the lifecycle rules, paging, services
switched on, and the charges the book's allocations make."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from billing import allocation_charges
from billing.accounts import AllocationDraft
from billing.catalogue import FieldError
from billing.charges import RECURRING, SETUP, AllocationTerms
from store.allocations import (
    active_services, count_allocations, create_allocation, get_allocation, list_allocations, remove_allocation,
    update_allocation,
)
from store.charges import iter_charges
from store.errors import AllocationConflict, MinimumDays
from store.customers import find_customer
from store.demo import PACKAGES
from store.models import Allocation
from store.packages import NotFound, find_package, set_archived

pytestmark = pytest.mark.both_engines

D = Decimal
DEMO_TERMS = {p.name: p.terms() for p in PACKAGES}


def pid(name: str) -> int:
    return find_package(name).id


def cid(name: str) -> int:
    return find_customer(name).id


def alloc(customer="Acme Telecom", package="SIP trunk 10 channels", start=date(2026, 11, 15), end=None,
          quantity=1, reference="", prorate=False):
    return create_allocation(cid(customer), pid(package), AllocationDraft(quantity, start, end, False, prorate, reference))


def allocation_rows() -> int:
    return Allocation.select().count()


# --- create --------------------------------------------------------------------------


def test_create_and_get(demo_customers_book):
    row = alloc(quantity=3, end=date(2027, 6, 30), reference="PO-1")
    got = get_allocation(row.id)
    assert got == row
    assert (got.customer, got.package, got.quantity, got.start, got.end, got.reference) == (
        "Acme Telecom", "SIP trunk 10 channels", 3, date(2026, 11, 15), date(2027, 6, 30), "PO-1")
    assert got.upstream_service == "SIP Trunk"
    assert got.package_terms == DEMO_TERMS["SIP trunk 10 channels"]
    assert got.version == 1
    assert got.package_archived is False


def test_create_refuses_an_archived_package(demo_customers_book):
    package = find_package("Hosted PBX seat")
    set_archived(package.id, package.version, True)
    with pytest.raises(FieldError) as caught:
        create_allocation(cid("Acme Telecom"), package.id, AllocationDraft(1, date(2026, 1, 1)))
    assert caught.value.field == "package"
    assert "archived" in caught.value.message
    assert allocation_rows() == 0


def test_create_refuses_end_before_start(demo_customers_book):
    with pytest.raises(FieldError) as caught:
        alloc(package="US DID rental", start=date(2026, 3, 10), end=date(2026, 3, 9))
    assert caught.value.field == "end_date"
    assert "2026-03-09" in caught.value.message
    assert allocation_rows() == 0


def test_create_refuses_end_before_minimum_days_naming_the_first_allowed_date(demo_customers_book):
    # SIP trunk has 180 minimum days: from 2026-11-15 the first allowed end is 2027-05-14
    with pytest.raises(FieldError) as caught:
        alloc(start=date(2026, 11, 15), end=date(2027, 5, 13))
    assert caught.value.field == "end_date"
    assert "2027-05-14" in caught.value.message
    assert allocation_rows() == 0


def test_create_accepts_end_exactly_on_start_plus_minimum_days(demo_customers_book):
    row = alloc(start=date(2026, 11, 15), end=date(2027, 5, 14))
    assert row.end == date(2027, 5, 14)
    assert allocation_rows() == 1


def test_create_for_an_unknown_customer_or_package_is_refused(demo_customers_book):
    with pytest.raises(FieldError) as caught:
        create_allocation(9999, pid("US DID rental"), AllocationDraft(1, date(2026, 1, 1)))
    assert caught.value.field == "customer"
    with pytest.raises(FieldError) as caught:
        create_allocation(cid("Acme Telecom"), 9999, AllocationDraft(1, date(2026, 1, 1)))
    assert caught.value.field == "package"
    assert allocation_rows() == 0


# --- update ----------------------------------------------------------------------------


def test_update_saves_and_bumps_version(demo_customers_book):
    row = alloc(package="US DID rental", start=date(2026, 1, 1))
    saved = update_allocation(row.id, row.version, row.package_id, AllocationDraft(5, date(2026, 1, 1), date(2026, 6, 30), True, True, "X"))
    assert saved.version == row.version + 1
    assert (saved.quantity, saved.end, saved.auto_decrement, saved.prorate, saved.reference) == (5, date(2026, 6, 30), True, True, "X")


def test_update_with_stale_version_raises_conflict_and_writes_nothing(demo_customers_book):
    row = alloc(package="US DID rental", start=date(2026, 1, 1))
    theirs = update_allocation(row.id, row.version, row.package_id, AllocationDraft(2, date(2026, 1, 1), reference="theirs"))
    with pytest.raises(AllocationConflict) as caught:
        update_allocation(row.id, row.version, row.package_id, AllocationDraft(9, date(2026, 2, 1), reference="mine"))
    assert caught.value.current == theirs
    assert get_allocation(row.id) == theirs


def test_update_refuses_end_before_minimum_days(demo_customers_book):
    row = alloc(start=date(2026, 11, 15))
    with pytest.raises(FieldError) as caught:
        update_allocation(row.id, row.version, row.package_id, AllocationDraft(1, date(2026, 11, 15), date(2027, 1, 1)))
    assert caught.value.field == "end_date"
    assert "2027-05-14" in caught.value.message
    assert get_allocation(row.id) == row


def test_update_keeps_an_allocation_whose_package_was_archived_since(demo_customers_book):
    row = alloc(package="US DID rental", start=date(2026, 1, 1))
    package = find_package("US DID rental")
    set_archived(package.id, package.version, True)
    saved = update_allocation(row.id, row.version, row.package_id, AllocationDraft(4, date(2026, 1, 1)))
    assert saved.quantity == 4
    assert saved.package_archived is True


def test_update_refuses_moving_to_an_archived_package(demo_customers_book):
    row = alloc(package="US DID rental", start=date(2026, 1, 1))
    package = find_package("Fax to email")
    set_archived(package.id, package.version, True)
    with pytest.raises(FieldError) as caught:
        update_allocation(row.id, row.version, package.id, AllocationDraft(1, date(2026, 1, 1)))
    assert caught.value.field == "package"
    assert get_allocation(row.id) == row


# --- remove ------------------------------------------------------------------------------


def test_remove_refused_before_start_plus_minimum_days_naming_the_date(demo_customers_book):
    row = alloc(start=date(2026, 11, 15))
    for today in (date(2026, 11, 15), date(2027, 1, 1), date(2027, 5, 13)):
        with pytest.raises(MinimumDays) as caught:
            remove_allocation(row.id, today)
        assert "2027-05-14" in str(caught.value)
        assert get_allocation(row.id) == row


def test_remove_works_from_start_plus_minimum_days(demo_customers_book):
    row = alloc(start=date(2026, 11, 15))
    remove_allocation(row.id, date(2027, 5, 14))
    assert get_allocation(row.id) is None
    assert allocation_rows() == 0


def test_remove_without_minimum_days_works_at_once(demo_customers_book):
    row = alloc(package="US DID rental", start=date(2026, 3, 1))
    remove_allocation(row.id, date(2026, 3, 1))
    assert get_allocation(row.id) is None


def test_remove_twice_is_not_found(demo_customers_book):
    row = alloc(package="US DID rental", start=date(2026, 3, 1))
    remove_allocation(row.id, date(2026, 3, 1))
    with pytest.raises(NotFound):
        remove_allocation(row.id, date(2026, 3, 1))


# --- list / count ------------------------------------------------------------------------


@pytest.fixture
def listed(demo_customers_book):
    """Acme: 23 allocations over four packages, references PO-0..PO-22;
    Blue Fish: 3 allocations."""
    names = ["US DID rental", "SIP trunk 10 channels", "Fax to email", "Daily test number"]
    acme = [alloc(package=names[i % 4], start=date(2026, 1, 1) + timedelta(days=i), reference=f"PO-{i}").id for i in range(23)]
    blue = [alloc("Blue Fish Ltd", package="US DID rental", start=date(2026, 1, 1), reference="blue").id for _ in range(3)]
    return acme, blue


def test_list_pages_give_each_of_the_customers_allocations_once_in_order(listed):
    acme, blue = listed
    seen, after = [], None
    while True:
        page = list_allocations(cid("Acme Telecom"), "", after, 5)
        if not page:
            break
        assert len(page) <= 5
        assert all(r.customer == "Acme Telecom" for r in page)
        seen.extend(r.id for r in page)
        after = page[-1].id
    assert seen == acme
    assert count_allocations(cid("Acme Telecom")) == 23
    assert [r.id for r in list_allocations(cid("Blue Fish Ltd"))] == blue


def test_filter_by_package_name(listed):
    rows = list_allocations(cid("Acme Telecom"), "sip TRUNK")
    assert len(rows) == 6  # i = 1, 5, 9, 13, 17, 21
    assert {r.package for r in rows} == {"SIP trunk 10 channels"}
    assert count_allocations(cid("Acme Telecom"), "sip TRUNK") == 6


def test_filter_by_reference(listed):
    rows = list_allocations(cid("Acme Telecom"), "PO-2")
    assert sorted(r.reference for r in rows) == ["PO-2", "PO-20", "PO-21", "PO-22"]
    assert count_allocations(cid("Acme Telecom"), "PO-2") == 4
    assert list_allocations(cid("Acme Telecom"), "blue") == []
    assert count_allocations(cid("Blue Fish Ltd"), "blue") == 3


def test_filter_and_paging_together(listed):
    first = list_allocations(cid("Acme Telecom"), "did", None, 4)
    rest = list_allocations(cid("Acme Telecom"), "did", first[-1].id, 100)
    everything = list_allocations(cid("Acme Telecom"), "did")
    assert [r.id for r in first + rest] == [r.id for r in everything]
    assert len(everything) == count_allocations(cid("Acme Telecom"), "did") == 6


# --- services switched on -------------------------------------------------------------------


def test_active_services_lists_only_allocations_active_on_the_date(demo_customers_book):
    today = date(2026, 6, 15)
    alloc(package="UK DID rental", start=date(2026, 1, 1), quantity=2)             # DID-UK, active
    alloc(package="Number porting", start=date(2026, 6, 15))                         # DID-UK, starts today
    alloc(package="SIP trunk 10 channels", start=date(2025, 1, 1), end=date(2026, 6, 15), quantity=3)  # ends today: still on
    alloc(package="US DID rental", start=date(2026, 1, 1), end=date(2026, 6, 14))  # ended yesterday
    alloc(package="Hosted PBX seat", start=date(2026, 6, 16), quantity=10)          # starts tomorrow
    alloc(package="Call bundle 500", start=date(2026, 1, 1))                          # no upstream service
    alloc("Blue Fish Ltd", package="Fax to email", start=date(2026, 1, 1))           # another customer

    services = active_services(cid("Acme Telecom"), today)
    assert [(name, qty) for name, qty, _ in services] == [("DID-UK", 3), ("SIP Trunk", 3)]
    packages = {name: set(p.split(",")) for name, _, p in services}
    assert packages["DID-UK"] == {"UK DID rental", "Number porting"}
    assert packages["SIP Trunk"] == {"SIP trunk 10 channels"}

    assert [s[0] for s in active_services(cid("Acme Telecom"), date(2026, 6, 16))] == ["DID-UK", "Hosted PBX"]
    assert active_services(cid("Acme Telecom"), date(2025, 12, 31)) == [("SIP Trunk", 3, "SIP trunk 10 channels")]
    assert active_services(cid("Blue Fish Ltd"), today) == [("Fax2Email", 1, "Fax to email")]


def test_no_allocations_no_services(demo_customers_book):
    assert active_services(cid("Acme Telecom"), date(2026, 1, 1)) == []


# --- charges ---------------------------------------------------------------------------------


def test_iter_charges_worked_example_sip_trunk(demo_customers_book):
    row = alloc(start=date(2026, 11, 15), quantity=3)
    lines = [c for _, c in iter_charges(date(2026, 11, 1), date(2027, 1, 20), 2)]
    assert [(c.date, c.kind, c.amount, c.cost) for c in lines] == [
        (date(2026, 11, 15), SETUP, D("150.00"), D("0.00")),
        (date(2026, 11, 15), RECURRING, D("135.00"), D("84.00")),
        (date(2026, 11, 30), RECURRING, D("135.00"), D("84.00")),
        (date(2026, 12, 15), RECURRING, D("135.00"), D("84.00")),
        (date(2026, 12, 31), RECURRING, D("135.00"), D("84.00")),
        (date(2027, 1, 15), RECURRING, D("135.00"), D("84.00")),
    ]
    assert all(c.allocation == row.id and c.quantity == 3 for c in lines)
    assert all(isinstance(c.amount, Decimal) for c in lines)
    assert str(lines[0].amount) == "150.00" and str(lines[1].amount) == "135.00"
    # periods: each runs to the day before the next charge date
    assert (lines[1].period_start, lines[1].period_end) == (date(2026, 11, 15), date(2026, 11, 29))
    assert (lines[2].period_start, lines[2].period_end) == (date(2026, 11, 30), date(2026, 12, 14))


def test_iter_charges_after_the_start_has_no_setup(demo_customers_book):
    alloc(start=date(2026, 11, 15), quantity=3)
    lines = [c for _, c in iter_charges(date(2026, 11, 16), date(2026, 12, 31), 2)]
    assert [(c.date, c.kind) for c in lines] == [
        (date(2026, 11, 30), RECURRING), (date(2026, 12, 15), RECURRING), (date(2026, 12, 31), RECURRING)]


@pytest.fixture
def mixed(demo_customers_book):
    rows = [
        alloc(package="SIP trunk 10 channels", start=date(2026, 11, 15), quantity=3),
        alloc(package="UK DID rental", start=date(2026, 10, 20), end=date(2026, 12, 31), quantity=4),
        alloc(package="Daily test number", start=date(2026, 12, 30), end=date(2027, 1, 2), prorate=True),
        alloc(package="Hosted PBX seat", start=date(2026, 12, 10), quantity=2, prorate=True),
        alloc(package="Fax to email", start=date(2026, 1, 1)),
        alloc(package="Annual support plan", start=date(2026, 2, 28)),
        alloc(package="Number porting", start=date(2026, 12, 1), quantity=5),
        alloc(package="Call bundle 500", start=date(2026, 11, 1)),
        alloc("Blue Fish Ltd", package="US DID rental", start=date(2026, 1, 31), quantity=7),
        alloc("Blue Fish Ltd", package="US DID rental", start=date(2027, 6, 1)),   # after the range
        alloc("Blue Fish Ltd", package="US DID rental", start=date(2025, 1, 1), end=date(2025, 12, 31)),  # before it
    ]
    return rows


def expected(rows, since, until, precision=2):
    out = []
    for row in rows:
        terms = DEMO_TERMS[row.package]
        allocation = AllocationTerms(row.start, row.end, row.quantity, row.prorate, row.id)
        # charges lists only lines with something to charge (0.00 with no cost is nothing).
        out.extend((row.id, c) for c in allocation_charges(terms, allocation, since, until, precision) if c.amount or c.cost)
    return out


@pytest.mark.parametrize(
    "since, until",
    [(date(2026, 11, 1), date(2027, 1, 31)), (date(2026, 12, 31), date(2026, 12, 31)), (date(2026, 1, 1), date(2027, 3, 1))],
)
def test_iter_charges_equals_allocation_charges_for_each_allocation(mixed, since, until):
    got = [(a.id, c) for a, c in iter_charges(since, until, 2)]
    want = expected(mixed, since, until)
    assert sorted(got) == sorted(want)
    assert len(got) == len(want) > 0
    for allocation, charge in iter_charges(since, until, 2):
        assert charge.allocation == allocation.id
        assert since <= charge.date <= until


def test_iter_charges_for_one_customer(mixed):
    since, until = date(2026, 11, 1), date(2027, 1, 31)
    blue = [r for r in mixed if r.customer == "Blue Fish Ltd"]
    got = [(a.id, c) for a, c in iter_charges(since, until, 2, cid("Blue Fish Ltd"))]
    assert {a for a, _ in got} == {blue[0].id}
    assert sorted(got) == sorted(expected(blue, since, until))


def test_iter_charges_uses_the_given_precision(demo_customers_book):
    alloc(package="Daily test number", start=date(2026, 1, 1), end=date(2026, 1, 2))
    assert [c.amount for _, c in iter_charges(date(2026, 1, 1), date(2026, 1, 31), 2)] == [D("0.13"), D("0.13")]
    assert [c.amount for _, c in iter_charges(date(2026, 1, 1), date(2026, 1, 31), 3)] == [D("0.125"), D("0.125")]


def test_iter_charges_with_nothing_in_range(demo_customers_book):
    alloc(package="US DID rental", start=date(2027, 1, 1))
    assert list(iter_charges(date(2026, 1, 1), date(2026, 12, 31), 2)) == []
