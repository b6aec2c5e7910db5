"""Wrong money kept out at the door, and package files that round-trip.

- No charge line an allocation can produce passes 1,000,000,000,000: the
  allocation form, the allocation import, a package edit and the package
  import each refuse it, naming the limit (BILLING.md, "Money").
- Export writes every column import reads (archived too), so import then
  export gives back the same file.
- An import that updates an existing package changes only the columns the
  file has.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest

from billing.accounts import AllocationDraft, CustomerDraft
from billing.catalogue import PACKAGE_COLUMNS, PackageDraft
from billing.schedule import Frequency
from store.allocation_transfer import import_allocations
from store.allocations import create_allocation, get_allocation, update_allocation
from store.customers import create_customer
from store.errors import FieldError, ImportFailed
from store.packages import create_package, find_package, get_package, set_archived, update_package
from store.services import add_service
from store.transfer import export_packages, import_packages

pytestmark = pytest.mark.both_engines

D = Decimal
START = date(2026, 1, 1)


def csv_file(text: str) -> io.StringIO:
    return io.StringIO(text)


def test_a_quantity_whose_line_passes_the_limit_is_refused_where_it_is_typed(book):
    big = create_package(PackageDraft("Big", retail=D("1000000000"), frequency=Frequency.MONTHLY))
    acme = create_customer(CustomerDraft("Acme"))
    assert create_allocation(acme.id, big.id, AllocationDraft(1000, START)).quantity == 1000  # exactly the limit
    with pytest.raises(FieldError) as refused:
        create_allocation(acme.id, big.id, AllocationDraft(10_000, START))
    assert refused.value.field == "quantity"
    assert "10,000 x retail 1,000,000,000 = 10,000,000,000,000" in str(refused.value)
    assert "1,000,000,000,000" in str(refused.value)
    one = create_allocation(acme.id, big.id, AllocationDraft(1, START))
    with pytest.raises(FieldError):
        update_allocation(one.id, one.version, big.id, AllocationDraft(1001, START))
    assert get_allocation(one.id).quantity == 1


def test_setup_prices_count_too(book):
    setup = create_package(PackageDraft("Setup", retail=D("1"), setup_retail=D("2000000")))
    acme = create_customer(CustomerDraft("Acme"))
    with pytest.raises(FieldError) as refused:
        create_allocation(acme.id, setup.id, AllocationDraft(600_000, START))
    assert "setup retail" in str(refused.value)


def test_a_price_raised_past_the_limit_for_an_existing_quantity_is_refused(book):
    seat = create_package(PackageDraft("Seat", retail=D("10")))
    acme = create_customer(CustomerDraft("Acme"))
    create_allocation(acme.id, seat.id, AllocationDraft(1_000_000, START))
    row = get_package(seat.id)
    with pytest.raises(FieldError) as refused:
        update_package(seat.id, row.version, row.draft().with_(cost=D("2000000")))
    assert refused.value.field == "cost" and "quantity 1,000,000" in str(refused.value)
    assert get_package(seat.id).cost == D("0")
    with pytest.raises(ImportFailed) as failed:
        import_packages(csv_file("name,cost\nSeat,2000000\n"))
    assert failed.value.problems[0].line == 2 and failed.value.problems[0].column == "cost"
    assert get_package(seat.id).cost == D("0")


def test_the_allocation_import_refuses_a_line_past_the_limit(book):
    create_package(PackageDraft("Big", retail=D("1000000000")))
    create_customer(CustomerDraft("Acme"))
    with pytest.raises(ImportFailed) as failed:
        import_allocations(csv_file("customer,package,quantity,start_date\nAcme,Big,10000,2026-01-01\n"))
    (problem,) = failed.value.problems
    assert (problem.line, problem.column) == (2, "quantity") and "1,000,000,000,000" in problem.message


@pytest.mark.sqlite_only("writes files beside the book's file")
def test_export_carries_archived_and_import_then_export_gives_the_same_file(book):
    add_service("Telnyx DID")
    create_package(PackageDraft("UK DID", D("1.25"), D("0.40"), frequency=Frequency.MONTHLY, match=(1,), upstream_service="Telnyx DID"))
    old = create_package(PackageDraft("Old fax", D("3"), frequency=Frequency.WEEKLY, match=(1, 4), description="retired"))
    set_archived(old.id, old.version, True)
    first = io.StringIO()
    export_packages(first)
    text = first.getvalue()
    assert text.splitlines()[0] == ",".join(PACKAGE_COLUMNS)
    assert [line.split(",")[-1] for line in text.splitlines()[1:]] == ["yes", "no"]  # Old fax, archived; UK DID
    # Into another book and back out: the same file, archived and all.
    book.close()
    from store.book import Book

    other = Book.open(book.path.with_name("other.db"))
    try:
        import_packages(io.StringIO(text), add_services=True)
        assert find_package("Old fax").archived is True
        again = io.StringIO()
        export_packages(again)
        assert again.getvalue() == text
    finally:
        other.close()


def test_an_import_with_some_columns_changes_only_those(book):
    add_service("Bandwidth")
    seat = create_package(
        PackageDraft("Seat", D("12"), D("4.20"), D("25"), D("8"), Frequency.WEEKLY, (1, 3), "Hosted seat", "Bandwidth", False, 30)
    )
    result = import_packages(csv_file("name,retail\nSeat,13.50\n"))
    assert (result.added, result.updated) == (0, 1)
    after = get_package(seat.id)
    assert after.retail == D("13.50")
    assert after.draft().with_(retail=D("12")) == seat.draft()  # nothing else moved
    # A new package in the same kind of file takes the defaults for the rest.
    import_packages(csv_file("name,retail\nFresh,2\n"))
    fresh = find_package("Fresh")
    assert (fresh.cost, fresh.frequency, fresh.description) == (D("0"), Frequency.MONTHLY, "")


def test_archived_can_be_set_by_import_and_a_bad_value_names_its_cell(book):
    create_package(PackageDraft("Seat", D("12")))
    import_packages(csv_file("name,archived\nSeat,yes\n"))
    assert find_package("Seat").archived is True
    with pytest.raises(ImportFailed) as failed:
        import_packages(csv_file("name,archived\nSeat,maybe\n"))
    assert (failed.value.problems[0].line, failed.value.problems[0].column) == (2, "archived")
    assert find_package("Seat").archived is True


def test_the_precision_is_fixed_once_a_line_is_posted(book):
    from store.errors import BookError
    from store.runs import commit_run, plan_run

    assert book.update_settings(precision=3).precision == 3  # nothing posted yet: free to change
    book.update_settings(precision=2)
    did = create_package(PackageDraft("DID", retail=D("0.075"), frequency=Frequency.DAILY))
    acme = create_customer(CustomerDraft("Acme"))
    create_allocation(acme.id, did.id, AllocationDraft(1, START))
    commit_run(plan_run(START, START, 2), START)
    with pytest.raises(BookError, match="fixed once a line is posted"):
        book.update_settings(precision=0)
    assert book.settings.precision == 2
    assert book.update_settings(precision=2).precision == 2  # the same value is no change


def test_payments_with_more_places_than_the_book_keeps_are_refused(book):
    from store.errors import StoreError
    from store.payments import list_payments, record_payment

    acme = create_customer(CustomerDraft("Acme"))
    with pytest.raises(StoreError, match="more decimal places than this book keeps"):
        record_payment(acme.id, START, D("0.005"))
    with pytest.raises(StoreError, match="largest amount"):
        record_payment(acme.id, START, D("2000000000000"))
    assert list_payments(acme.id) == []
    assert record_payment(acme.id, START, D("0.50")).amount == D("0.50")


ALLOCATIONS = (
    "customer,package,quantity,start_date,end_date,reference\n"
    "Acme,Seat,3,2026-01-01,,DID 0201\n"
    "Acme,Seat,1,2026-01-01,,DID 0202\n"
)


def test_importing_the_same_allocations_twice_allocates_once_and_updates(book):
    create_package(PackageDraft("Seat", D("10")))
    acme = create_customer(CustomerDraft("Acme"))
    first = import_allocations(csv_file(ALLOCATIONS))
    again = import_allocations(csv_file(ALLOCATIONS))
    assert (first.added, first.updated, again.added, again.updated) == (2, 0, 0, 2)
    from store.allocations import list_allocations

    assert [(a.quantity, a.reference) for a in list_allocations(acme.id)] == [(3, "DID 0201"), (1, "DID 0202")]
    # A row that matches changes what it says, and only that.
    changed = import_allocations(csv_file("customer,package,start_date,reference,quantity\nacme,Seat,2026-1-1,DID 0202,20\n"))
    assert (changed.added, changed.updated) == (0, 1)
    assert [(a.quantity, a.end) for a in list_allocations(acme.id)] == [(3, None), (20, None)]


def test_the_same_allocation_twice_in_one_file_is_refused(book):
    create_package(PackageDraft("Seat", D("10")))
    create_customer(CustomerDraft("Acme"))
    with pytest.raises(ImportFailed) as failed:
        import_allocations(csv_file(ALLOCATIONS + "Acme,Seat,5,2026-01-01,,DID 0201\n"))
    (problem,) = failed.value.problems
    assert problem.line == 4 and "as line 2" in problem.message


def test_a_file_import_audits_each_new_record_in_one_row(book):
    import json as json_module

    from store.audit import list_audit

    import_packages(csv_file("name,retail,frequency\nSeat,12.50,weekly\nTrunk,40,monthly\n"))
    rows = [r for r in list_audit(limit=100) if r.entity == "package" and r.action == "insert"]
    assert len(rows) == 2 and all(r.field is None for r in rows)
    seat = json_module.loads(next(r.new for r in rows if '"Seat"' in r.new))
    assert seat["name"] == "Seat" and seat["frequency"] == "weekly" and seat["retail"] == 12_500_000
    # One made in the form is still audited field by field.
    fax = create_package(PackageDraft("Fax", D("3")))
    fields = {r.field for r in list_audit(limit=100) if r.action == "insert" and r.entity == "package" and r.entity_id == fax.id}
    assert {"name", "retail"} <= fields
