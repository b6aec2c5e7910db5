"""The fields of free-minutes packages in the book: a package's type,
destinations and free minutes (saved, read back, refused when they don't
fit, kept by a draft that leaves them out, audited); an allocation's own free
minutes; a customer's usage_prepaid; the usage_billing setting; and a book
made before them, brought up to date with every record as it was."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from billing.accounts import AllocationDraft, CustomerDraft
from billing.catalogue import FieldError, PackageDraft
from store import book as book_module
from store.allocations import create_allocation, get_allocation, update_allocation
from store.audit import list_audit
from store.book import Book
from store.changes import change_allocation
from store.customers import create_customer, get_customer, update_customer
from store.errors import Conflict
from store.packages import create_package, get_package, update_package
from tests.helpers.books import customer, opened, package
from tests.helpers.raw import query

pytestmark = pytest.mark.both_engines

D = Decimal
BUNDLE = PackageDraft("UK 1000", D("10"), type="free_minutes", destinations=("44", "91"), free_minutes=1000)


def changes_of(entity: str, entity_id: int) -> dict:
    return {r.field: (r.old, r.new) for r in list_audit(limit=10_000) if r.entity == entity and r.entity_id == entity_id and r.action == "update"}


# --- packages -----------------------------------------------------------------------


def test_a_free_minutes_package_is_saved_and_read_back(book):
    row = create_package(BUNDLE)
    assert (row.type, row.destinations, row.free_minutes) == ("free_minutes", ("44", "91"), 1000)
    assert query(book, "SELECT type, destinations, free_minutes FROM package WHERE id = ?", (row.id,)) == [("free_minutes", "^44|^91", 1000)]
    inserted = {r.field: r.new for r in list_audit(limit=10_000) if r.entity == "package" and r.entity_id == row.id and r.action == "insert"}
    assert (inserted["type"], inserted["destinations"], inserted["free_minutes"]) == ("free_minutes", "^44|^91", "1000")


def test_a_package_made_without_a_kind_is_recurring(book):
    row = create_package(PackageDraft("Seat", D("12")))
    assert (row.type, row.destinations, row.free_minutes) == ("recurring", (), 0)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"destinations": ()}, "destinations"),
        ({"type": "recurring"}, "destinations"),
        ({"free_minutes": -5}, "free_minutes"),
        ({"type": "bundle"}, "type"),
    ],
)
def test_a_kind_that_does_not_fit_is_refused_and_nothing_written(book, changes, field):
    with pytest.raises(FieldError) as info:
        create_package(BUNDLE.with_(**changes))
    assert info.value.field == field
    assert query(book, "SELECT COUNT(*) FROM package") == [(0,)]


def test_an_edit_that_leaves_the_kind_out_keeps_it(book):
    row = create_package(BUNDLE)
    # What a form that knows nothing of kinds saves: its kind fields are None.
    plain = PackageDraft("UK 1000 (renamed)", D("10"))
    saved = update_package(row.id, row.version, plain)
    assert (saved.name, saved.type, saved.destinations, saved.free_minutes) == ("UK 1000 (renamed)", "free_minutes", ("44", "91"), 1000)
    assert set(changes_of("package", row.id)) == {"name"}


def test_an_edit_of_the_kind_is_saved_and_audited(book):
    row = create_package(BUNDLE)
    saved = update_package(row.id, row.version, row.draft().with_(destinations=("44", "1"), free_minutes=500))
    assert (saved.destinations, saved.free_minutes) == (("44", "1"), 500)
    assert changes_of("package", row.id) == {"destinations": ("^44|^91", "^44|^1"), "free_minutes": ("1000", "500")}
    back = update_package(saved.id, saved.version, saved.draft().with_(type="recurring", destinations=(), free_minutes=0))
    assert (back.type, back.destinations, back.free_minutes) == ("recurring", (), 0)
    with pytest.raises(FieldError) as info:
        update_package(back.id, back.version, back.draft().with_(destinations=("44",)))
    assert info.value.field == "destinations"


def test_a_conflict_names_no_kind_field_the_draft_left_out(book):
    row = create_package(BUNDLE)
    update_package(row.id, row.version, row.draft().with_(retail=D("11")))
    with pytest.raises(Conflict) as info:
        update_package(row.id, row.version, PackageDraft("UK 1000", D("12")))
    assert [d[0] for d in info.value.differences] == ["retail"]


# --- allocations ----------------------------------------------------------------------


def test_an_allocation_has_its_own_free_minutes_or_the_package_s(book):
    who, bundle, seat = customer("Acme Telecom"), create_package(BUNDLE), package("Seat", "12")
    draft = AllocationDraft(2, date(2025, 3, 1))
    own = create_allocation(who.id, bundle.id, draft, free_minutes=250)
    theirs = create_allocation(who.id, bundle.id, draft)
    assert (own.free_minutes, theirs.free_minutes) == (250, None)
    with pytest.raises(FieldError) as info:
        create_allocation(who.id, seat.id, draft, free_minutes=10)
    assert info.value.field == "free_minutes" and "recurring" in info.value.message
    with pytest.raises(FieldError):
        create_allocation(who.id, bundle.id, draft, free_minutes=-1)
    # Left out, an edit keeps them; given, it sets them (None: the package's again).
    kept = update_allocation(own.id, own.version, bundle.id, AllocationDraft(3, draft.start))
    assert (kept.quantity, kept.free_minutes) == (3, 250)
    assert changes_of("allocation", own.id) == {"quantity": ("2", "3")}
    cleared = update_allocation(kept.id, kept.version, bundle.id, kept.draft(), free_minutes=None)
    assert cleared.free_minutes is None
    assert changes_of("allocation", own.id)["free_minutes"] == ("250", None)
    # Moved to a package that is not a free-minutes one, they go.
    back = update_allocation(cleared.id, cleared.version, bundle.id, cleared.draft(), free_minutes=90)
    moved = update_allocation(back.id, back.version, seat.id, back.draft())
    assert moved.free_minutes is None


def test_a_change_from_a_date_keeps_the_allocation_s_own_minutes(book):
    who, bundle = customer("Acme Telecom"), create_package(BUNDLE)
    first = create_allocation(who.id, bundle.id, AllocationDraft(1, date(2025, 3, 1)), free_minutes=250)
    _ended, successor = change_allocation(first.id, date(2025, 4, 1), quantity=2)
    assert get_allocation(successor.id).free_minutes == 250


# --- customers and settings --------------------------------------------------------------


def test_a_customer_is_usage_prepaid_unless_told_otherwise(book):
    usual = create_customer(CustomerDraft("Acme Telecom"))
    after = create_customer(CustomerDraft("Blue Fish Ltd"), usage_prepaid=False)
    assert (usual.usage_prepaid, after.usage_prepaid) == (True, False)
    # A save that leaves it out keeps it; one that gives it sets it, audited.
    kept = update_customer(after.id, after.version, CustomerDraft("Blue Fish Ltd", notes="x"))
    assert kept.usage_prepaid is False
    changed = update_customer(kept.id, kept.version, kept.draft(), usage_prepaid=True)
    assert changed.usage_prepaid is True and get_customer(after.id).usage_prepaid is True
    assert changes_of("customer", after.id)["usage_prepaid"] == ("0", "1")


def test_usage_billing_is_off_until_switched_on(book):
    assert book.settings.usage_billing is False
    assert book.update_settings(usage_billing=True).usage_billing is True
    assert query(book, "SELECT value FROM setting WHERE key = 'usage_billing'") == [("on",)]
    assert book.update_settings(timezone="Europe/London").usage_billing is True  # other changes leave it


# --- a book made before these fields ------------------------------------------------------


def test_a_book_from_before_gets_the_fields_with_every_record_as_it_was(engine, tmp_path, request, monkeypatch):
    # A new book file, or a new empty PostgreSQL database (the test books are copied from a current one).
    book_location = request.getfixturevalue("empty_pg") if engine == "postgresql" else tmp_path / "old.db"
    real = book_module.migrate

    def up_to_0012(db):
        from playhouse.migrations import Runner

        runner = Runner(db, directory=str(book_module.MIGRATIONS))
        runner.up(target="0012_successors")

    monkeypatch.setattr(book_module, "migrate", up_to_0012)
    old = Book.open(book_location)
    try:
        old.db.execute_sql("INSERT INTO customer (name) VALUES ('Acme Telecom')")
        old.db.execute_sql("INSERT INTO package (name, retail) VALUES ('Seat', 12000000)")
        old.db.execute_sql("INSERT INTO allocation (customer_id, package_id, start_date) VALUES (1, 1, '2025-03-01')")
        assert "usage_billing" not in dict(old.db.execute_sql("SELECT key, value FROM setting").fetchall())
    finally:
        old.close()
    monkeypatch.setattr(book_module, "migrate", real)
    with opened(book_location) as upgraded:
        assert upgraded.db.execute_sql("SELECT type, destinations, free_minutes FROM package").fetchall() == [("recurring", "", 0)]
        assert upgraded.db.execute_sql("SELECT usage_prepaid FROM customer").fetchall() == [(1,)]
        assert upgraded.db.execute_sql("SELECT free_minutes FROM allocation").fetchall() == [(None,)]
        assert upgraded.settings.usage_billing is False
        assert get_package(1).type == "recurring" and get_customer(1).usage_prepaid is True
        upgraded.db.execute_sql("UPDATE package SET type = 'free_minutes', destinations = '^44', free_minutes = 10 WHERE id = 1")
        assert set(changes_of("package", 1)) == {"type", "destinations", "free_minutes"}
