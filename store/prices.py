"""Price versions of packages: read, add, list and export them.

The rules (which prices a charge uses) are billing's (billing.charges
`with_prices`, billing.prices); the schema and the triggers that keep the
package row's mirror and the run marks are migration 0011's. Everything here
returns `PriceVersion` values, never model instances.
"""

from __future__ import annotations

from datetime import date
from typing import Iterable, Iterator, TextIO

from billing.charges import AllocationTerms, PackageTerms, PriceVersion, with_prices
from billing.money import format_price, from_micros, to_micros
from billing.prices import BEGINNING, PRICE_FIELDS, effective_text

from .csvio import write_records
from .models import database
from .sql import as_date, chunks, iso, marks

#: Columns of `export prices`, in order.
EXPORT_COLUMNS = ("name", "effective_from", *PRICE_FIELDS)

_SELECT = "SELECT package_id, effective_from, retail, cost, setup_retail, setup_cost FROM package_price"


def _version(row) -> PriceVersion:
    return PriceVersion(as_date(row[1]), *(from_micros(v) for v in row[2:6]))


def versions_of(package_ids: Iterable[int]) -> dict[int, list[PriceVersion]]:
    """Each package's versions, oldest first."""
    out: dict[int, list[PriceVersion]] = {}
    for part in chunks(sorted(set(package_ids))):
        sql = f"{_SELECT} WHERE package_id IN ({marks(len(part))}) ORDER BY package_id, effective_from"
        for row in database.execute_sql(sql, list(part)).fetchall():
            out.setdefault(row[0], []).append(_version(row))
    return out


def priced_terms(package) -> PackageTerms:
    """A package row's terms with every price version it has: what its
    charges use, a future price included."""
    return with_prices(package.terms(), history(package.id))


def history(package_id: int) -> list[PriceVersion]:
    """One package's versions, oldest first."""
    return versions_of([package_id]).get(package_id, [])


def in_force(package_ids: Iterable[int], day: date) -> dict[int, PriceVersion]:
    """The version each package charges on `day`."""
    out: dict[int, PriceVersion] = {}
    for part in chunks(sorted(set(package_ids))):
        sql = (
            f"{_SELECT} p WHERE package_id IN ({marks(len(part))}) AND effective_from = "
            "(SELECT MAX(effective_from) FROM package_price q WHERE q.package_id = p.package_id AND q.effective_from <= ?)"
        )
        for row in database.execute_sql(sql, [*part, iso(day)]).fetchall():
            out[row[0]] = _version(row)
    return out


def has_allocations(package_id: int) -> bool:
    return database.execute_sql("SELECT 1 FROM allocation WHERE package_id = ? LIMIT 1", (package_id,)).fetchone() is not None


def default_from(package_id: int | None, today: date) -> date:
    """When a price change takes effect if no date is given: today for a
    package that has allocations; from the beginning for one that has none
    (nothing was charged at the old prices, so they leave no history)."""
    return today if package_id is not None and has_allocations(package_id) else BEGINNING


def add_version(package_id: int, version: PriceVersion) -> None:
    """Put `version` in the package's timeline (inside the caller's
    transaction): it replaces a version of the same date (billing.prices
    timeline_with). The book's triggers move the package row's mirror and
    the allocations' run marks."""
    day = iso(version.effective_from)
    values = [to_micros(getattr(version, f)) for f in PRICE_FIELDS]
    database.execute_sql(
        "INSERT INTO package_price (package_id, effective_from, retail, cost, setup_retail, setup_cost, created_by) "
        "VALUES (?, ?, ?, ?, ?, ?, packdesk_user()) ON CONFLICT (package_id, effective_from) DO UPDATE SET "
        "retail = excluded.retail, cost = excluded.cost, setup_retail = excluded.setup_retail, "
        "setup_cost = excluded.setup_cost, created_by = excluded.created_by",
        (package_id, day, *values),
    )


def allocations_of(package_id: int, since: date, limit: int = 2000) -> tuple[list[AllocationTerms], int]:
    """The package's allocations still charging on or after `since` (the
    first `limit` by id, for a live panel) and how many there are in all."""
    where = "package_id = ? AND (end_date IS NULL OR end_date >= ?)"
    params = (package_id, iso(since))
    total = database.execute_sql(f"SELECT COUNT(*) FROM allocation WHERE {where}", params).fetchone()[0]
    rows = database.execute_sql(
        f"SELECT id, start_date, end_date, quantity, prorate FROM allocation WHERE {where} ORDER BY id LIMIT ?",
        (*params, limit),
    ).fetchall()
    terms = [AllocationTerms(as_date(s), as_date(e), q, bool(p), i) for i, s, e, q, p in rows]
    return terms, total


def posted_since(package_id: int, day: date) -> int:
    """Lines of the package posted dated on or after `day` (they keep their prices)."""
    sql = "SELECT COUNT(*) FROM ledger WHERE package_id = ? AND date >= ?"
    return database.execute_sql(sql, (package_id, iso(day))).fetchone()[0]


def iter_all_versions() -> Iterator[dict]:
    """Every version of every package, by package name then date, as export writes them."""
    sql = (
        "SELECT p.name, v.effective_from, v.retail, v.cost, v.setup_retail, v.setup_cost FROM package_price v "
        "JOIN package p ON p.id = v.package_id ORDER BY p.name COLLATE NOCASE, v.effective_from"
    )
    for name, day, *money in database.execute_sql(sql).fetchall():
        prices = (format_price(from_micros(m)) for m in money)
        yield {"name": name, "effective_from": effective_text(as_date(day)), **dict(zip(PRICE_FIELDS, prices))}


def export_prices(out: TextIO, fmt: str = "csv") -> int:
    """Write every version (EXPORT_COLUMNS); returns how many."""
    return write_records(iter_all_versions(), EXPORT_COLUMNS, out, fmt)
