"""Building books for the tests, always through the store (store.book.Book
and the store's own create functions), so what a test starts from is what
packdesk itself would have written.

Open a book with `opened(path)` (or take the `book` fixture) before calling
the builders: they write to the book that is open.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from billing.accounts import AllocationDraft, CustomerDraft
from billing.catalogue import PackageDraft
from billing.schedule import Frequency
from store.allocations import create_allocation
from store.scan import AllocationRow
from store.book import Book
from store.customers import CustomerRow, create_customer, find_customer
from store.demo import load_demo
from store.packages import PackageRow, create_package, find_package

D = Decimal
#: The demo customers (see `add_demo_customers`).
ACME = "Acme Telecom"
BLUE = "Blue Fish Ltd"
#: The demo catalogue's minimum-spend package: monthly on day 1, retail
#: 500.00, cost 0.
BUNDLE = "Call bundle 500"


@contextmanager
def opened(path: str | Path):
    """The book at `path`, open for the length of the `with`, closed after."""
    book = Book.open(path)
    try:
        yield book
    finally:
        book.close()


def days(start: date, end: date) -> list[date]:
    """Every date in [start, end]."""
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


# --- packages, customers, allocations ---------------------------------------------


def package(
    name: str,
    retail: str = "0",
    cost: str = "0",
    setup_retail: str = "0",
    setup_cost: str = "0",
    frequency: Frequency = Frequency.DAILY,
    match: tuple[int, ...] = (),
    minimum_spend: bool = False,
    description: str = "",
) -> PackageRow:
    prices = dict(retail=D(retail), cost=D(cost), setup_retail=D(setup_retail), setup_cost=D(setup_cost))
    return create_package(
        PackageDraft(name=name, frequency=frequency, match=match, description=description, minimum_spend=minimum_spend, **prices)
    )


def customer(name: str, status: str = "active", tax: str = "0", notes: str = "") -> CustomerRow:
    return create_customer(CustomerDraft(name, status, D(tax), notes))


def allocate(
    who: CustomerRow, what: PackageRow, start: date, end: date | None = None, auto: bool = False, quantity: int = 1
) -> AllocationRow:
    return create_allocation(who.id, what.id, AllocationDraft(quantity, start, end, auto, False, ""))


def balance_of(name: str) -> Decimal:
    found = find_customer(name)
    assert found is not None, name
    return found.balance


# --- the demo book ----------------------------------------------------------------------


def add_demo_customers() -> None:
    """The two customers the demo-book tests share: 'Acme Telecom' (20% tax)
    and 'Blue Fish Ltd' (no tax)."""
    customer(ACME, tax="20")
    customer(BLUE)


def make_demo_db(path: Path) -> Path:
    """A closed book file at `path` with the demo catalogue and the two demo
    customers, for tests that then drive the command line against it."""
    with opened(path):
        load_demo()
        add_demo_customers()
    return path


def acme() -> CustomerRow:
    return find_customer(ACME)


def blue() -> CustomerRow:
    return find_customer(BLUE)


def bundle() -> PackageRow:
    found = find_package(BUNDLE)
    assert found is not None and found.minimum_spend
    return found


def give_bundle(who: CustomerRow, start: date, end: date | None = None, quantity: int = 1, prorate: bool = False):
    """Allocate "Call bundle 500" to `who` (in the open book)."""
    return create_allocation(who.id, bundle().id, AllocationDraft(quantity, start, end, False, prorate, ""))
