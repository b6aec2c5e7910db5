"""The package catalogue: paged lists, optimistic saves, archive and delete.

Everything returns plain `PackageRow` values, never model instances.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date
from decimal import Decimal
from peewee import JOIN, IntegrityError, Tuple, Value, fn

from billing.accounts import largest_price, line_limit_problem
from billing.catalogue import FieldError, PackageDraft, format_match
from billing.charges import PackageTerms
from billing.package_kind import RECURRING
from billing.money import to_micros
from billing.prices import prices_differ, version_of
from billing.schedule import Frequency
from billing.summary import monthly_equivalent

from . import prices, settings
from .errors import Conflict, NameTaken, NotFound, StoreError
from .dialect import now_text
from .models import Allocation, Package, UpstreamService, database
from .package_kind import KIND, KIND_COLUMNS, current_kind, draft_differences, kind_of, kind_row, kind_values
from .sql import contains, match_from_text, match_to_text

PAGE = 200


@dataclass(frozen=True, slots=True)
class PackageRow:
    id: int
    name: str
    retail: Decimal
    cost: Decimal
    setup_retail: Decimal
    setup_cost: Decimal
    frequency: Frequency
    match: tuple[int, ...]
    description: str
    upstream_service: str | None
    minimum_spend: bool
    minimum_days: int
    archived: bool
    version: int
    monthly_retail: Decimal
    updated_at: str = ""
    type: str = RECURRING  # its kind (billing.package_kind); the prefixes it covers; minutes per unit per period
    destinations: tuple[str, ...] = ()
    free_minutes: int = 0

    @property
    def margin(self) -> Decimal:
        return self.retail - self.cost

    @property
    def match_text(self) -> str:
        return format_match(self.match, self.frequency)

    def terms(self) -> PackageTerms:
        return self.draft().terms()

    def draft(self) -> PackageDraft:
        return PackageDraft(**{name: getattr(self, name) for name in (*DRAFT_FIELDS, *KIND)})


#: The fields a form merges one by one; the kind (KIND) a draft leaves None is the book's.
DRAFT_FIELDS = [f.name for f in fields(PackageDraft) if f.name not in KIND]


_COLUMNS = (
    Package.id,
    Package.name,
    Package.retail,
    Package.cost,
    Package.setup_retail,
    Package.setup_cost,
    Package.frequency,
    Package.frequency_match,
    Package.description,
    UpstreamService.name.alias("service_name"),
    Package.minimum_spend,
    Package.minimum_days,
    Package.archived,
    Package.version,
    Package.monthly_retail,
    Package.updated_at,
    *KIND_COLUMNS,
)


def _row(r: dict) -> PackageRow:
    return PackageRow(
        id=r["id"],
        name=r["name"],
        retail=r["retail"],
        cost=r["cost"],
        setup_retail=r["setup_retail"],
        setup_cost=r["setup_cost"],
        frequency=Frequency(r["frequency"]),
        match=match_from_text(r["frequency_match"]),
        description=r["description"],
        upstream_service=r["service_name"],
        minimum_spend=bool(r["minimum_spend"]),
        minimum_days=r["minimum_days"],
        archived=bool(r["archived"]),
        version=r["version"],
        monthly_retail=r["monthly_retail"],
        updated_at=r["updated_at"],
        **kind_of(r),
    )


def _select():
    return Package.select(*_COLUMNS).join(UpstreamService, JOIN.LEFT_OUTER).dicts()


def prices_today() -> date:
    """Today in the book's time zone: the day whose prices rows show by default."""
    return settings.real_today(settings.load().timezone)


def _rows(found, today: date | None) -> list[PackageRow]:
    """Rows with the prices in force on `today` (the package row mirrors its
    newest version, which may not be in force yet: migration 0011)."""
    rows = [_row(r) for r in found]
    if not rows:
        return rows
    forced = prices.in_force([r.id for r in rows], today or prices_today())
    out = []
    for row in rows:
        version = forced.get(row.id)
        if version is not None and prices_differ(version, row):
            per_month = monthly_equivalent(version.retail, row.frequency, row.match).quantize(Decimal("0.000001"))
            row = replace(row, retail=version.retail, cost=version.cost, setup_retail=version.setup_retail,
                          setup_cost=version.setup_cost, monthly_retail=per_month)
        out.append(row)
    return out


def get_package(package_id: int, today: date | None = None) -> PackageRow | None:
    """The package with the prices in force on `today` (default: the book's today)."""
    found = _rows(_select().where(Package.id == package_id), today)
    return found[0] if found else None


def find_package(name: str, today: date | None = None) -> PackageRow | None:
    found = _rows(_select().where(Package.name == " ".join(name.split())), today)
    return found[0] if found else None


# --- the paged list -------------------------------------------------------

#: Sort keys the list offers: key -> (SQL expression, how a row gives its value).
SORTS = {
    "name": (Package.name.collate("NOCASE"), lambda r: r.name),
    "retail": (Package.retail, lambda r: to_micros(r.retail)),
    "cost": (Package.cost, lambda r: to_micros(r.cost)),
    "margin": (Package.retail - Package.cost, lambda r: to_micros(r.retail) - to_micros(r.cost)),
    "monthly": (Package.monthly_retail, lambda r: to_micros(r.monthly_retail)),
    "frequency": (Package.frequency, lambda r: r.frequency.value),
    "service": (fn.COALESCE(UpstreamService.name, ""), lambda r: r.upstream_service or ""),
}


@dataclass(frozen=True, slots=True)
class PackageQuery:
    """What the list shows: a name filter, a sort, and whether archived rows count."""

    text: str = ""
    sort: str = "name"
    descending: bool = False
    show_archived: bool = True
    #: Whose prices rows show (default: the book's today). Sorting by a
    #: price uses the newest version's, which is today's unless a change is
    #: scheduled.
    today: date | None = None

    def where(self):
        clauses = []
        text = self.text.strip()
        if text:
            clauses.append(contains(Package.name, text))
        if not self.show_archived:
            clauses.append(Package.archived == False)  # noqa: E712
        return clauses


def list_packages(query: PackageQuery = PackageQuery(), after: PackageRow | None = None, limit: int = PAGE) -> list[PackageRow]:
    """One page of the list, starting after the row `after` (keyset paging)."""
    if query.sort not in SORTS:
        raise StoreError(f"can't sort by '{query.sort}'")
    expr, value_of = SORTS[query.sort]
    select = _select()
    for clause in query.where():
        select = select.where(clause)
    if after is not None:
        op = "<" if query.descending else ">"
        select = select.where(_keyset(expr, op, value_of(after), after.id))
    if query.descending:
        select = select.order_by(expr.desc(), Package.id.desc())
    else:
        select = select.order_by(expr.asc(), Package.id.asc())
    return _rows(select.limit(limit), query.today)


def _keyset(expr, op: str, value, row_id: int):
    left = Tuple(expr, Package.id)
    right = Tuple(Value(value, converter=False), Value(row_id, converter=False))
    return left < right if op == "<" else left > right


def count_packages(query: PackageQuery = PackageQuery()) -> int:
    select = Package.select(fn.COUNT(Package.id))
    for clause in query.where():
        select = select.where(clause)
    return select.scalar() or 0


# --- saving ---------------------------------------------------------------


def _service_id(name: str | None, *, create: bool = False) -> int | None:
    if not name:
        return None
    found = UpstreamService.get_or_none(UpstreamService.name == name)
    if found is not None:
        return found.id
    if create:
        return UpstreamService.insert(name=name).execute()
    raise FieldError("upstream_service", f"'{name}' is not an upstream service (add it under upstream services first)")


def _values(draft: PackageDraft, *, create_service: bool = False) -> dict:
    per_month = monthly_equivalent(draft.retail, draft.frequency, draft.match)
    return {
        Package.name: draft.name,
        Package.retail: draft.retail,
        Package.cost: draft.cost,
        Package.setup_retail: draft.setup_retail,
        Package.setup_cost: draft.setup_cost,
        Package.frequency: draft.frequency.value,
        Package.frequency_match: match_to_text(draft.match),
        Package.description: draft.description,
        Package.upstream_service: _service_id(draft.upstream_service, create=create_service),
        Package.minimum_spend: draft.minimum_spend,
        Package.minimum_days: draft.minimum_days,
        Package.monthly_retail: per_month.quantize(Decimal("0.000001")),
        Package.updated_at: now_text(),
    }


#: The columns `row_values` gives, in order.
ROW_COLUMNS = (
    "name", "retail", "cost", "setup_retail", "setup_cost", "frequency", "frequency_match", "description",
    "upstream_service_id", "minimum_spend", "minimum_days", "monthly_retail", "type", "destinations", "free_minutes",
)


def row_values(draft: PackageDraft, service_id: int | None) -> tuple:
    """A package's columns as the database stores them (money in micro-units),
    for many rows written with one executemany."""
    per_month = monthly_equivalent(draft.retail, draft.frequency, draft.match)
    return (
        draft.name, to_micros(draft.retail), to_micros(draft.cost), to_micros(draft.setup_retail),
        to_micros(draft.setup_cost), draft.frequency.value, match_to_text(draft.match), draft.description,
        service_id, int(draft.minimum_spend), draft.minimum_days, to_micros(per_month.quantize(Decimal("0.000001"))),
        *kind_row(draft),
    )


def _name_taken(name: str, except_id: int | None) -> bool:
    query = Package.select(Package.id).where(Package.name == name)
    if except_id is not None:
        query = query.where(Package.id != except_id)
    return query.exists()


def differences(draft: PackageDraft, current: PackageRow) -> list[tuple[str, object, object]]:
    return draft_differences(draft, current.draft(), (*DRAFT_FIELDS, *KIND))


def create_package(draft: PackageDraft) -> PackageRow:
    with database.atomic():
        if _name_taken(draft.name, None):
            raise NameTaken(draft.name)
        try:
            new_id = Package.insert({**_values(draft), **kind_values(draft)}).execute()
        except IntegrityError:
            raise NameTaken(draft.name) from None
    return get_package(new_id)


def largest_quantity(package_id: int) -> int:
    return database.execute_sql("SELECT COALESCE(MAX(quantity), 0) FROM allocation WHERE package_id = ?", (package_id,)).fetchone()[0]


def check_lines(package_id: int, draft: PackageDraft, quantity: int | None = None) -> None:
    """New prices must keep every allocation's lines within the largest a book holds."""
    quantity = largest_quantity(package_id) if quantity is None else quantity
    field, price = largest_price(draft.retail, draft.cost, draft.setup_retail, draft.setup_cost)
    problem = line_limit_problem(quantity, field, price) if quantity else None
    if problem:
        raise FieldError(field, f"{problem}: an allocation of this package has quantity {quantity:,}")


def update_package(
    package_id: int, version: int, draft: PackageDraft, effective_from: date | None = None, today: date | None = None
) -> PackageRow:
    """Save an edit made to `version` of the package. New prices take effect
    from `effective_from` (default: prices.default_from): a price version.

    Raises Conflict (writing nothing) when someone saved it in between, and
    NotFound when it was deleted.
    """
    today = today or prices_today()
    with database.atomic():
        if _name_taken(draft.name, package_id):
            raise NameTaken(draft.name)
        check_lines(package_id, draft)
        values = {k: v for k, v in _values(draft).items() if k.name not in VERSIONED}
        values.update(kind_values(draft, current_kind(package_id)))
        values[Package.version] = Package.version + 1
        try:
            changed = (
                Package.update(values).where((Package.id == package_id) & (Package.version == version)).execute()
            )
        except IntegrityError:
            raise NameTaken(draft.name) from None
        if not changed:
            current = get_package(package_id, today)
            if current is None:
                raise NotFound("this package was deleted by someone else; save it again as a new package with ctrl+s")
            raise Conflict(current, differences(draft, current))
        set_prices(package_id, draft, effective_from or prices.default_from(package_id, today))
        refresh_monthly([package_id])
    return get_package(package_id, today)


#: Columns a package's price versions decide (the row mirrors the newest).
VERSIONED = ("retail", "cost", "setup_retail", "setup_cost", "monthly_retail")


def set_prices(package_id: int, new, effective_from: date) -> bool:
    """Give the package `new`'s four prices from `effective_from`, inside the
    caller's transaction, unless they are the prices in force that day.
    Returns whether a version was added."""
    current = prices.in_force([package_id], effective_from).get(package_id)
    if current is not None and not prices_differ(new, current):
        return False
    prices.add_version(package_id, version_of(new, effective_from))
    return True


def refresh_monthly(package_ids) -> None:
    """The monthly-equivalent column from the row's (newest) retail and schedule."""
    rows = Package.select(Package.id, Package.retail, Package.frequency, Package.frequency_match).where(Package.id.in_(list(package_ids)))
    for row in rows:
        per_month = monthly_equivalent(row.retail, Frequency(row.frequency), match_from_text(row.frequency_match))
        Package.update({Package.monthly_retail: per_month.quantize(Decimal("0.000001"))}).where(Package.id == row.id).execute()


def set_archived(package_id: int, version: int, archived: bool) -> PackageRow:
    with database.atomic():
        changed = (
            Package.update(
                {
                    Package.archived: archived,
                    Package.version: Package.version + 1,
                    Package.updated_at: now_text(),
                }
            )
            .where((Package.id == package_id) & (Package.version == version))
            .execute()
        )
        if not changed:
            current = get_package(package_id)
            if current is None:
                raise NotFound("this package was deleted by someone else")
            raise Conflict(current, [])
    return get_package(package_id)


def allocation_count(package_id: int) -> int:
    return Allocation.select().where(Allocation.package == package_id).count()


def delete_package(package_id: int) -> None:
    """Delete a package that was never allocated; one that was is archived instead."""
    with database.atomic():
        if allocation_count(package_id):
            raise StoreError("this package has allocations: archive it instead (it keeps charging them)")
        if not Package.delete().where(Package.id == package_id).execute():
            raise NotFound("this package was already deleted")


def package_total() -> int:
    return Package.select().count()
