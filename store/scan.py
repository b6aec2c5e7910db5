"""Reading allocations in bulk: the rows billing works on.

Plain SQL and a cache of packages and customer names: a whole book of
allocations is read at several hundred thousand rows a second. Everything
returns `AllocationRow` values, never model instances.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Iterable, Iterator

from billing.accounts import AllocationDraft
from billing.charges import AllocationTerms, PackageTerms, with_prices

from .models import database
from .prices import versions_of
from .sql import TERMS_COLUMNS, as_date, chunks, marks, package_terms


@dataclass(frozen=True, slots=True)
class AllocationRow:
    id: int
    customer_id: int
    customer: str
    package_id: int
    package: str
    package_terms: PackageTerms
    package_archived: bool
    upstream_service: str | None
    quantity: int
    start: date
    end: date | None
    auto_decrement: bool
    prorate: bool
    reference: str
    version: int
    #: The allocation it follows (a change from a date), and its chain's first start.
    follows_id: int | None = None
    chain_start: date | None = None
    #: False for a successor of the same package: no second setup.
    setup: bool = True
    #: Its own free minutes per unit per period (a free-minutes package's
    #: allocation); None: the package's.
    free_minutes: int | None = None

    def terms(self) -> AllocationTerms:
        return AllocationTerms(self.start, self.end, self.quantity, self.prorate, self.id, self.chain_start, self.setup)

    @property
    def first_start(self) -> date:
        """The first start of its chain: minimum days count from it."""
        return self.chain_start or self.start

    def draft(self) -> AllocationDraft:
        return AllocationDraft(self.quantity, self.start, self.end, self.auto_decrement, self.prorate, self.reference)


@dataclass(frozen=True, slots=True)
class Marks:
    """Where a run takes up an allocation (see billing.run): `seq` changes
    whenever something moves the marks back, so a run never moves forward
    marks that an edit reset meanwhile."""

    charges_from: date | None
    true_ups_from: date | None
    seq: int


class RowCache:
    """Packages (id -> name, terms, archived, service) and customer names
    (id -> name) read once for many allocations."""

    def __init__(self) -> None:
        self.packages: dict[int, tuple] = {}
        self.customers: dict[int, str] = {}

    def load(self, package_ids: Iterable[int], customer_ids: Iterable[int]) -> None:
        missing = [i for i in set(package_ids) if i not in self.packages]
        for part in chunks(missing):
            rows = database.execute_sql(
                f"SELECT p.id, p.name, {TERMS_COLUMNS}, p.archived, s.name FROM package p "
                f"LEFT JOIN upstream_service s ON s.id = p.upstream_service_id WHERE p.id IN ({marks(len(part))})",
                list(part),
            ).fetchall()
            versions = versions_of(r[0] for r in rows)
            for row in rows:
                terms = with_prices(package_terms(*row[2:10]), versions.get(row[0], ()))
                self.packages[row[0]] = (row[1], terms, bool(row[10]), row[11])
        missing = [i for i in set(customer_ids) if i not in self.customers]
        for part in chunks(missing):
            sql = f"SELECT id, name FROM customer WHERE id IN ({marks(len(part))})"
            self.customers.update(database.execute_sql(sql, list(part)).fetchall())

    def rows(self, raw: list[tuple]) -> list[AllocationRow]:
        """AllocationRows from (id, customer, package, qty, start, end, auto, prorate, reference, version, ...)."""
        self.load({r[2] for r in raw}, {r[1] for r in raw})
        packages, customers = self.packages, self.customers
        out = []
        for aid, cid, pid, qty, start, end, auto, prorate, reference, version, _cf, _tf, _seq, follows, chain, before, minutes in raw:
            name, terms, archived, service = packages[pid]
            out.append(
                AllocationRow(
                    aid, cid, customers[cid], pid, name, terms, archived, service, qty,
                    as_date(start), as_date(end), bool(auto), bool(prorate), reference, version,
                    follows, as_date(chain), before != pid, minutes,
                )
            )
        return out


#: The allocation columns RowCache.rows reads, the marks, then its chain: the
#: allocation it follows, the chain's first start and the package it
#: followed; then its own free minutes.
ROW_COLUMNS = (
    "a.id, a.customer_id, a.package_id, a.quantity, a.start_date, a.end_date, a.auto_decrement, a.prorate, "
    "a.reference, a.version, a.charges_from, a.true_ups_from, a.marks_seq, a.follows_id, a.chain_start, "
    "(SELECT f.package_id FROM allocation f WHERE f.id = a.follows_id), a.free_minutes"
)


def marks_of(raw: tuple) -> Marks:
    return Marks(as_date(raw[10]), as_date(raw[11]), raw[12])


def iter_allocations(
    customer_id: int | None = None,
    batch: int = 20000,
    *,
    minimum_spend: bool = False,
) -> Iterator[AllocationRow]:
    """Every allocation (of one customer, or of the book), read in batches by
    id; with `minimum_spend`, only those of minimum-spend packages."""
    for raw in iter_raw(customer_id, batch, minimum_spend=minimum_spend):
        yield from raw[0]


def iter_raw(
    customer_id: int | None = None, batch: int = 20000, *, minimum_spend: bool = False
) -> Iterator[tuple[list[AllocationRow], list[tuple]]]:
    """Batches of (rows, the raw tuples they came from, marks included)."""
    cache = RowCache()
    where, extra = ["a.id > ?"], []
    if customer_id is not None:
        where.append("a.customer_id = ?")
        extra.append(customer_id)
    if minimum_spend:
        where.append("a.package_id IN (SELECT id FROM package WHERE minimum_spend = 1)")
    sql = f"SELECT {ROW_COLUMNS} FROM allocation a WHERE {' AND '.join(where)} ORDER BY a.id LIMIT ?"
    after = 0
    while True:
        raw = database.execute_sql(sql, [after, *extra, batch]).fetchall()
        if not raw:
            return
        yield cache.rows(raw), raw
        after = raw[-1][0]


def name_range(conditions: list[str], params: list, names: tuple[str | None, str | None]) -> None:
    """Add to a query's conditions: the customer `c`'s name in [low, high)
    (NOCASE, the run's order), either end open when None."""
    low, high = names
    if low is not None:
        conditions.append("c.name >= ? COLLATE NOCASE")
        params.append(low)
    if high is not None:
        conditions.append("c.name < ? COLLATE NOCASE")
        params.append(high)


def iter_by_customer(
    customer_id: int | None = None, batch: int = 5000, names: tuple[str | None, str | None] = (None, None)
) -> Iterator[list[AllocationRow]]:
    """Every allocation (or one customer's), in batches, in the order a run
    lists them: customer name (billing.run.customer_key: SQLite's NOCASE),
    then id. The customer-name index and the (customer, id) index give that
    order without sorting, and the rows stream from one cursor. `names`
    keeps to the customers from the first name (included) to the second
    (left out), in that order: a share of the book (see customer_cuts)."""
    cache = RowCache()
    conditions, params = [], []
    if customer_id is not None:
        conditions.append("a.customer_id = ?")
        params.append(customer_id)
    name_range(conditions, params, names)
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    cursor = database.execute_sql(
        f"SELECT {ROW_COLUMNS} FROM allocation a JOIN customer c ON c.id = a.customer_id {where} "
        "ORDER BY c.name COLLATE NOCASE, a.id",
        params,
    )
    while True:
        raw = cursor.fetchmany(batch)
        if not raw:
            return
        yield cache.rows(raw)


def customer_cuts(parts: int) -> list[tuple[str | None, str | None]]:
    """The book's customers in `parts` name ranges of about as many
    allocations each, in run order (for iter_by_customer's `names`): every
    customer falls in exactly one (names equal but for case fall together:
    the ranges compare as NOCASE)."""
    rows = database.execute_sql(
        "SELECT c.name, COUNT(*) FROM allocation a JOIN customer c ON c.id = a.customer_id "
        "GROUP BY c.id ORDER BY c.name COLLATE NOCASE"
    ).fetchall()
    total = sum(count for _name, count in rows)
    cuts: list[str] = []
    seen = 0
    for name, count in rows:
        if len(cuts) < parts - 1 and seen >= total * (len(cuts) + 1) / parts:
            cuts.append(name)
        seen += count
    bounds = [None, *cuts, None]
    return [(bounds[i], bounds[i + 1]) for i in range(len(bounds) - 1)]


def rows_by_ids(ids: list[int], cache: RowCache | None = None) -> tuple[list[AllocationRow], list[tuple]]:
    """The allocations `ids` (in id order) and their raw tuples."""
    cache = cache or RowCache()
    raw: list[tuple] = []
    for part in chunks(sorted(ids)):
        sql = f"SELECT {ROW_COLUMNS} FROM allocation a WHERE a.id IN ({marks(len(part))}) ORDER BY a.id"
        raw.extend(database.execute_sql(sql, list(part)).fetchall())
    return cache.rows(raw), raw


def allocation_count() -> int:
    """How many allocations the book has."""
    return database.execute_sql("SELECT COUNT(*) FROM allocation").fetchone()[0]
