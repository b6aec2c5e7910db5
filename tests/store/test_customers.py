"""store.customers: create, find, unique names, optimistic saves, keyset paging."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from billing.accounts import CustomerDraft
from billing.catalogue import FieldError
from store.customers import (
    SORTS, CustomerConflict, CustomerNameTaken, CustomerQuery, count_customers, create_customer, find_customer,
    get_customer, list_customers, update_customer,
)
from store.models import Customer, database
from store.packages import NotFound
from tests.helpers.paging import every_page

pytestmark = pytest.mark.both_engines

D = Decimal


def draft(name="Acme Telecom", status="active", tax="0", notes="") -> CustomerDraft:
    return CustomerDraft(name, status, D(tax), notes)


# --- create / get / find ----------------------------------------------------------


def test_create_then_get(book):
    row = create_customer(draft("Acme Telecom", "suspended", "17.5", "pays by transfer"))
    assert row.id > 0
    assert row.version == 1
    got = get_customer(row.id)
    assert got == row
    assert (got.name, got.status, got.tax_percent, got.notes) == ("Acme Telecom", "suspended", D("17.5"), "pays by transfer")
    assert isinstance(got.tax_percent, Decimal) and isinstance(got.balance, Decimal)
    assert got.balance == 0


def test_tax_percent_is_stored_exactly(book):
    row = create_customer(draft(tax="12.34"))
    assert get_customer(row.id).tax_percent == D("12.34")


def test_get_unknown_is_none(book):
    assert get_customer(12345) is None


def test_find_by_name_ignores_case_and_extra_spaces(book):
    row = create_customer(draft("Acme Telecom"))
    create_customer(draft("Blue Fish Ltd"))
    assert find_customer("Acme Telecom") == row
    assert find_customer("acme TELECOM") == row
    assert find_customer("  Acme    Telecom ") == row
    assert find_customer("Acme") is None


def test_name_is_unique_case_aside(book):
    create_customer(draft("Acme Telecom"))
    with pytest.raises(CustomerNameTaken) as caught:
        create_customer(draft("ACME telecom"))
    assert isinstance(caught.value, FieldError)
    assert caught.value.field == "name"
    assert count_customers() == 1


def test_renaming_onto_another_customers_name_is_refused(book):
    create_customer(draft("Acme Telecom"))
    blue = create_customer(draft("Blue Fish Ltd"))
    with pytest.raises(CustomerNameTaken):
        update_customer(blue.id, blue.version, draft("acme telecom"))
    assert get_customer(blue.id) == blue


def test_a_customer_may_change_the_case_of_its_own_name(book):
    row = create_customer(draft("Acme Telecom"))
    saved = update_customer(row.id, row.version, draft("ACME Telecom"))
    assert (saved.name, saved.version) == ("ACME Telecom", row.version + 1)


# --- optimistic saves ---------------------------------------------------------------


def test_update_with_current_version_saves_and_bumps_version(book):
    row = create_customer(draft())
    saved = update_customer(row.id, row.version, draft("Acme Telecom", "closed", "5.5", "gone"))
    assert saved.version == 2
    assert (saved.status, saved.tax_percent, saved.notes) == ("closed", D("5.5"), "gone")
    assert get_customer(row.id) == saved


def test_update_with_stale_version_raises_conflict_with_differences_and_writes_nothing(book):
    row = create_customer(draft("Acme Telecom", "active", "20", ""))
    theirs = update_customer(row.id, row.version, draft("Acme Telecom", "suspended", "10", "theirs"))
    assert theirs.version == row.version + 1

    with pytest.raises(CustomerConflict) as caught:
        update_customer(row.id, row.version, draft("Acme Telecom", "closed", "20", "mine"))
    conflict = caught.value
    assert conflict.current == theirs
    assert sorted(conflict.differences) == sorted(
        [("status", "closed", "suspended"), ("tax_percent", D("20"), D("10")), ("notes", "mine", "theirs")]
    )
    assert "status" in str(conflict) and "notes" in str(conflict)
    # nothing written: the row is exactly what the other save left
    assert get_customer(row.id) == theirs


def test_update_of_a_deleted_customer_is_not_found(book):
    row = create_customer(draft())
    Customer.delete().where(Customer.id == row.id).execute()
    with pytest.raises(NotFound):
        update_customer(row.id, row.version, draft())


# --- keyset paging -------------------------------------------------------------------

STATUSES = ("active", "suspended", "closed")


@pytest.fixture
def many(book):
    """~300 customers: mixed-case names, every status, balances with ties and
    negatives (set straight in the table, as billing would)."""
    rng = random.Random(7)
    words = ["acme", "Blue", "CARRIER", "delta", "Echo", "fox", "Giga", "hub", "Iris", "jet"]
    names: set[str] = set()
    while len(names) < 300:
        name = f"{rng.choice(words)} {rng.choice(words).upper() if rng.random() < 0.3 else rng.choice(words)} {rng.randint(1, 999)}"
        if name.casefold() not in {n.casefold() for n in names}:
            names.add(name)
    with database.atomic():
        for name in sorted(names, key=lambda _: rng.random()):
            row = create_customer(draft(name, rng.choice(STATUSES), str(rng.randint(0, 25))))
            balance = D(rng.choice(["0", "0", "12.50", "-3.25", "100", "0.000001"])) if rng.random() < 0.8 else D(rng.randint(-500, 500)) / 4
            Customer.update({Customer.balance: balance}).where(Customer.id == row.id).execute()
    return book


def expected_order(sort: str, descending: bool):
    rows = [get_customer(cid) for (cid,) in Customer.select(Customer.id).tuples()]
    key = {
        "name": lambda r: (r.name.casefold(), r.id),
        "status": lambda r: (r.status, r.id),
        "balance": lambda r: (r.balance, r.id),
    }[sort]
    return [r.id for r in sorted(rows, key=key, reverse=descending)]


def walk(query: CustomerQuery, limit: int) -> list[int]:
    """Page through the list; fails at once on a row that comes twice."""
    return [r.id for r in every_page(lambda after, size: list_customers(query, after, size), limit, 1000)]


def assert_same_order(got: list[int], want: list[int]) -> None:
    """Like got == want, with a short message (pytest's diff of long lists is slow)."""
    first = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), None)
    if first is not None:
        raise AssertionError(f"order differs at position {first}: got id {got[first]}, want id {want[first]}")
    if len(got) != len(want):
        raise AssertionError(f"got {len(got)} rows, want {len(want)}")


def test_there_are_three_sorts():
    assert set(SORTS) == {"name", "status", "balance"}


@pytest.mark.parametrize("descending", [False, True], ids=["asc", "desc"])
@pytest.mark.parametrize("sort", sorted(SORTS))
def test_keyset_paging_gives_every_row_once_in_order(many, sort, descending):
    query = CustomerQuery(sort=sort, descending=descending)
    ids = walk(query, 37)
    assert len(ids) == 300 == count_customers()
    assert len(set(ids)) == 300
    assert_same_order(ids, expected_order(sort, descending))


def test_one_big_page_equals_the_paged_walk(many):
    query = CustomerQuery(sort="balance", descending=True)
    assert_same_order(walk(query, 11), [r.id for r in list_customers(query, None, 1000)])


def test_unknown_sort_is_refused(book):
    from store.packages import StoreError

    with pytest.raises(StoreError):
        list_customers(CustomerQuery(sort="tax_percent"))


# --- filter by name ----------------------------------------------------------------------


def test_filter_by_name_is_a_case_insensitive_substring(book):
    for name in ["Acme Telecom", "Blue Fish Ltd", "BlueSky VoIP", "Red Fish"]:
        create_customer(draft(name))
    query = CustomerQuery(text="fish")
    assert [r.name for r in list_customers(query)] == ["Blue Fish Ltd", "Red Fish"]
    assert count_customers(query) == 2
    assert [r.name for r in list_customers(CustomerQuery(text="  BLUE "))] == ["Blue Fish Ltd", "BlueSky VoIP"]
    assert list_customers(CustomerQuery(text="nobody")) == []
    assert count_customers(CustomerQuery(text="nobody")) == 0


def test_filter_treats_like_wildcards_literally(book):
    for name in ["100% Telecom", "1000 Lines", "a_b Ltd", "axb Ltd"]:
        create_customer(draft(name))
    assert [r.name for r in list_customers(CustomerQuery(text="%"))] == ["100% Telecom"]
    assert [r.name for r in list_customers(CustomerQuery(text="a_b"))] == ["a_b Ltd"]


def test_filter_and_paging_together(many):
    query = CustomerQuery(text="fox", sort="name")
    ids = walk(query, 5)
    want = [cid for cid in expected_order("name", False) if "fox" in get_customer(cid).name.casefold()]
    assert_same_order(ids, want)
    assert len(ids) == count_customers(query) > 5
