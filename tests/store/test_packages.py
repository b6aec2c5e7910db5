"""The package catalogue: create, find, optimistic saves, archive, delete,
keyset paging and filters."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

import pytest

from billing.catalogue import FieldError, PackageDraft
from billing.schedule import Frequency
from store.models import Allocation, Customer, Package, database
from store.packages import (
    SORTS, Conflict, NameTaken, NotFound, PackageQuery, PackageRow, StoreError, count_packages, create_package,
    delete_package, find_package, get_package, list_packages, set_archived, update_package,
)
from store.services import add_service
from tests.helpers.paging import every_page

pytestmark = pytest.mark.both_engines

D = Decimal


def _draft(name="SIP trunk", **changes) -> PackageDraft:
    base = PackageDraft(
        name=name, retail=D("45.00"), cost=D("28.50"), setup_retail=D("50"), setup_cost=D("0.000125"),
        frequency=Frequency.MONTHLY, match=(15, 31), description="Ten channels", upstream_service=None,
        minimum_spend=False, minimum_days=180,
    )
    return base.with_(**changes)


def _package_state():
    return list(Package.select().order_by(Package.id).tuples())


# --- create / get / find ---------------------------------------------------


def test_create_returns_row_with_every_field(book):
    add_service("SIP Trunk")
    row = create_package(_draft(upstream_service="SIP Trunk"))
    assert isinstance(row, PackageRow)
    assert row.id > 0
    assert row.name == "SIP trunk"
    assert row.retail == D("45.00") and isinstance(row.retail, Decimal)
    assert row.cost == D("28.50")
    assert row.setup_retail == D("50")
    assert row.setup_cost == D("0.000125")
    assert row.frequency is Frequency.MONTHLY
    assert row.match == (15, 31)
    assert row.description == "Ten channels"
    assert row.upstream_service == "SIP Trunk"
    assert row.minimum_spend is False
    assert row.minimum_days == 180
    assert row.archived is False
    assert row.version == 1
    assert row.monthly_retail == D("90")  # twice a month
    assert row.margin == D("16.50")
    assert row.updated_at


def test_create_with_unknown_service_is_field_error_and_writes_nothing(book):
    with pytest.raises(FieldError) as info:
        create_package(_draft(upstream_service="Nope"))
    assert info.value.field == "upstream_service"
    assert Package.select().count() == 0


def test_get_package(book):
    row = create_package(_draft())
    assert get_package(row.id) == row
    assert get_package(row.id + 1000) is None


def test_find_package_by_name(book):
    row = create_package(_draft("Hosted PBX seat"))
    assert find_package("Hosted PBX seat") == row
    assert find_package("  Hosted   PBX seat ") == row
    assert find_package("hosted pbx SEAT") == row
    assert find_package("Hosted PBX") is None


def test_weekly_match_roundtrips(book):
    row = create_package(_draft("Fax", frequency=Frequency.WEEKLY, match=(1, 4)))
    again = get_package(row.id)
    assert again.match == (1, 4)
    assert again.match_text == "tue fri"


# --- names -----------------------------------------------------------------


@pytest.mark.parametrize("again", ["UK DID", "uk did"], ids=["the same name", "in another case"])
def test_name_unique_case_aside(book, again):
    create_package(_draft("UK DID"))
    with pytest.raises(NameTaken) as info:
        create_package(_draft(again))
    assert info.value.field == "name"
    assert Package.select().count() == 1


def test_rename_onto_another_name_case_insensitive_refused(book):
    create_package(_draft("Alpha"))
    beta = create_package(_draft("Beta"))
    with pytest.raises(NameTaken, match="'ALPHA' is already the name of another package"):
        update_package(beta.id, beta.version, _draft("ALPHA"))
    assert get_package(beta.id) == beta


def test_rename_own_case_is_allowed(book):
    row = create_package(_draft("alpha"))
    saved = update_package(row.id, row.version, _draft("Alpha"))
    assert saved.name == "Alpha"


# --- optimistic update -------------------------------------------------------


def test_update_with_right_version_bumps_version(book):
    row = create_package(_draft())
    saved = update_package(row.id, row.version, _draft(retail=D("50"), description="new"))
    assert saved.version == row.version + 1
    assert saved.retail == D("50")
    assert saved.description == "new"
    assert get_package(row.id) == saved
    again = update_package(row.id, saved.version, _draft(retail=D("51")))
    assert again.version == row.version + 2


def test_update_recomputes_monthly_retail(book):
    row = create_package(_draft(retail=D("10"), match=(1,)))
    assert row.monthly_retail == D("10")
    saved = update_package(row.id, row.version, _draft(retail=D("10"), match=(1, 15)))
    assert saved.monthly_retail == D("20")


def test_update_with_stale_version_raises_conflict_and_writes_nothing(book):
    row = create_package(_draft())
    theirs = update_package(row.id, row.version, _draft(retail=D("60"), description="theirs"))
    before = _package_state()
    mine = _draft(retail=D("70"), description="mine", minimum_days=180)
    with pytest.raises(Conflict) as info:
        update_package(row.id, row.version, mine)
    conflict = info.value
    assert isinstance(conflict, StoreError)
    assert conflict.current == theirs
    diffs = {d[0]: (d[1], d[2]) for d in conflict.differences}
    assert diffs == {"retail": (D("70"), D("60")), "description": ("mine", "theirs")}
    for entry in conflict.differences:
        assert len(entry) == 3
    assert "retail" in str(conflict) and "description" in str(conflict)
    assert _package_state() == before


def test_conflict_lists_no_fields_when_yours_matches_theirs(book):
    row = create_package(_draft())
    update_package(row.id, row.version, _draft(retail=D("60")))
    with pytest.raises(Conflict) as info:
        update_package(row.id, row.version, _draft(retail=D("60")))
    assert info.value.differences == []


def test_update_of_deleted_package_raises_not_found(book):
    row = create_package(_draft())
    delete_package(row.id)
    with pytest.raises(NotFound):
        update_package(row.id, row.version, _draft(retail=D("1")))
    assert Package.select().count() == 0


# --- archive ------------------------------------------------------------------


def test_set_archived_and_back(book):
    row = create_package(_draft())
    archived = set_archived(row.id, row.version, True)
    assert archived.archived is True
    assert archived.version == row.version + 1
    assert get_package(row.id).archived is True
    restored = set_archived(row.id, archived.version, False)
    assert restored.archived is False
    assert restored.version == row.version + 2


def test_set_archived_with_stale_version_conflicts(book):
    row = create_package(_draft())
    set_archived(row.id, row.version, True)
    with pytest.raises(Conflict):
        set_archived(row.id, row.version, False)
    assert get_package(row.id).archived is True


def test_set_archived_on_deleted_raises_not_found(book):
    row = create_package(_draft())
    delete_package(row.id)
    with pytest.raises(NotFound):
        set_archived(row.id, row.version, True)


# --- delete -------------------------------------------------------------------


def _allocate(package_id: int) -> None:
    customer = Customer.insert(name="Acme Telecom").execute()
    Allocation.insert(customer=customer, package=package_id, quantity=1, start_date=date(2025, 3, 1)).execute()


def test_delete_refused_when_allocated(book):
    row = create_package(_draft())
    _allocate(row.id)
    with pytest.raises(StoreError) as info:
        delete_package(row.id)
    assert "archive" in str(info.value)
    assert get_package(row.id) == row
    assert Allocation.select().count() == 1


def test_delete_works_without_allocations(book):
    keep = create_package(_draft("keep"))
    row = create_package(_draft("gone"))
    delete_package(row.id)
    assert get_package(row.id) is None
    assert find_package("gone") is None
    assert get_package(keep.id) == keep


def test_delete_twice_raises_not_found(book):
    row = create_package(_draft())
    delete_package(row.id)
    with pytest.raises(NotFound):
        delete_package(row.id)


# --- the paged list -----------------------------------------------------------

SERVICES = ["DID-UK", "DID-US", "Hosted PBX", "SIP Trunk"]
FREQS = [
    (Frequency.NONE, ()),
    (Frequency.DAILY, ()),
    (Frequency.WEEKLY, (0, 3)),
    (Frequency.MONTHLY, (1,)),
    (Frequency.MONTHLY, (15, 31)),
    (Frequency.YEARLY, ()),
]


@pytest.fixture
def catalogue(book):
    """~500 packages with many ties in every sort key, some archived."""
    rng = random.Random(20250301)
    for name in SERVICES:
        add_service(name)
    prices = [D("0"), D("1"), D("1.5"), D("9.5"), D("10"), D("100"), D("0.000125"), D("12.345678")]
    rows = []
    with database.atomic():  # one fsync for the lot, not 503
        _fill(rng, prices, rows)
        for row in rows[::7]:
            set_archived(row.id, row.version, True)
    return [get_package(r.id) for r in rows]


def _fill(rng, prices, rows):
    for i in range(503):
        freq, match = FREQS[rng.randrange(len(FREQS))]
        name = f"{rng.choice(['alpha', 'Beta', 'gamma', 'DELTA', 'echo'])} {i:03d}"
        draft = PackageDraft(
            name=name,
            retail=rng.choice(prices),
            cost=rng.choice(prices[:5]),
            frequency=freq,
            match=match,
            upstream_service=rng.choice(SERVICES + [None, None]),
        )
        rows.append(create_package(draft))


def _all_pages(query: PackageQuery, limit: int) -> list[PackageRow]:
    return every_page(lambda after, size: list_packages(query, after, size), limit)


def _expected(rows: list[PackageRow], sort: str, descending: bool) -> list[int]:
    _expr, value_of = SORTS[sort]

    def key(r: PackageRow):
        value = value_of(r)
        if sort == "name":
            value = value.lower()
        return (value, r.id)

    return [r.id for r in sorted(rows, key=key, reverse=descending)]


@pytest.mark.parametrize("descending", [False, True], ids=["asc", "desc"])
@pytest.mark.parametrize("sort", sorted(SORTS))
def test_keyset_paging_gives_every_row_once_in_order(catalogue, sort, descending):
    query = PackageQuery(sort=sort, descending=descending)
    got = _all_pages(query, 37)
    ids = [r.id for r in got]
    assert len(ids) == len(catalogue)
    assert len(set(ids)) == len(ids)
    assert ids == _expected(catalogue, sort, descending)


def test_sorts_offered(book):
    assert set(SORTS) == {"name", "retail", "cost", "margin", "monthly", "frequency", "service"}


def test_unknown_sort_refused(book):
    with pytest.raises(StoreError):
        list_packages(PackageQuery(sort="colour"))


def test_default_page_size_and_limit(catalogue):
    assert len(list_packages()) == 200
    assert len(list_packages(limit=10)) == 10


def test_paging_with_filter_and_hidden_archived(catalogue):
    query = PackageQuery(text="ALPHA", sort="retail", descending=True, show_archived=False)
    got = _all_pages(query, 11)
    wanted = [r for r in catalogue if "alpha" in r.name.lower() and not r.archived]
    assert wanted
    assert [r.id for r in got] == _expected(wanted, "retail", True)
    assert count_packages(query) == len(wanted)


def test_show_archived_false_hides_archived(catalogue):
    archived = {r.id for r in catalogue if r.archived}
    assert archived
    shown = _all_pages(PackageQuery(show_archived=False), 100)
    assert not archived & {r.id for r in shown}
    assert len(shown) == len(catalogue) - len(archived)
    everything = _all_pages(PackageQuery(show_archived=True), 100)
    assert archived <= {r.id for r in everything}


def test_count_packages_matches(catalogue):
    assert count_packages() == len(catalogue) == 503
    assert count_packages(PackageQuery(show_archived=False)) == sum(1 for r in catalogue if not r.archived)
    assert count_packages(PackageQuery(text="beta")) == sum(1 for r in catalogue if "beta" in r.name.lower())
    assert count_packages(PackageQuery(text="no such thing")) == 0


def test_name_filter_is_case_insensitive(book):
    for name in ("Hosted PBX seat", "hosted fax", "SIP trunk"):
        create_package(_draft(name))
    names = {r.name for r in list_packages(PackageQuery(text="HOSTED"))}
    assert names == {"Hosted PBX seat", "hosted fax"}
    names = {r.name for r in list_packages(PackageQuery(text="pbx"))}
    assert names == {"Hosted PBX seat"}


def test_name_filter_treats_percent_and_underscore_literally(book):
    for name in ("50% off", "500 off", "a_b", "axb", "back\\slash", "backslash"):
        create_package(_draft(name))
    assert {r.name for r in list_packages(PackageQuery(text="%"))} == {"50% off"}
    assert {r.name for r in list_packages(PackageQuery(text="0%"))} == {"50% off"}
    assert {r.name for r in list_packages(PackageQuery(text="_"))} == {"a_b"}
    assert {r.name for r in list_packages(PackageQuery(text="a_b"))} == {"a_b"}
    assert {r.name for r in list_packages(PackageQuery(text="\\"))} == {"back\\slash"}
    assert count_packages(PackageQuery(text="%")) == 1
    assert count_packages(PackageQuery(text="_")) == 1


def test_blank_filter_shows_everything(book):
    for name in ("a", "b"):
        create_package(_draft(name))
    assert count_packages(PackageQuery(text="   ")) == 2
    assert len(list_packages(PackageQuery(text="   "))) == 2
