"""Customers: paged list, optimistic saves, import and export."""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal
from pathlib import Path
from typing import TextIO

from peewee import IntegrityError, Tuple, Value, fn

from billing.accounts import CUSTOMER_FIELDS, CustomerDraft, parse_customer
from billing.money import format_price, from_micros, to_micros

from .dialect import now_text
from .models import Customer, database
from .sql import contains
from .errors import CustomerConflict, CustomerNameTaken, ImportFailed, NotFound, RowProblem, StoreError
from .audit import bulk
from .csvio import read_table, write_records

PAGE = 200


@dataclass(frozen=True, slots=True)
class CustomerRow:
    id: int
    name: str
    status: str
    tax_percent: Decimal
    balance: Decimal
    notes: str
    version: int
    #: Usage is paid before it is used (1, the default), or billed after.
    usage_prepaid: bool = True

    def draft(self) -> CustomerDraft:
        return CustomerDraft(self.name, self.status, self.tax_percent, self.notes)


def _row(c: Customer) -> CustomerRow:
    return CustomerRow(c.id, c.name, c.status, c.tax_percent, c.balance, c.notes, c.version, c.usage_prepaid)


def get_customer(customer_id: int) -> CustomerRow | None:
    found = Customer.get_or_none(Customer.id == customer_id)
    return _row(found) if found else None


def find_customer(name: str) -> CustomerRow | None:
    found = Customer.get_or_none(Customer.name == " ".join(name.split()))
    return _row(found) if found else None


SORTS = {
    "name": (Customer.name.collate("NOCASE"), lambda r: r.name),
    "status": (Customer.status, lambda r: r.status),
    "balance": (Customer.balance, lambda r: to_micros(r.balance)),
}


@dataclass(frozen=True, slots=True)
class CustomerQuery:
    text: str = ""
    sort: str = "name"
    descending: bool = False

    def where(self):
        text = self.text.strip()
        if not text:
            return []
        return [contains(Customer.name, text)]


def list_customers(query: CustomerQuery = CustomerQuery(), after: CustomerRow | None = None, limit: int = PAGE) -> list[CustomerRow]:
    if query.sort not in SORTS:
        raise StoreError(f"can't sort by '{query.sort}'")
    expr, value_of = SORTS[query.sort]
    select = Customer.select()
    for clause in query.where():
        select = select.where(clause)
    if after is not None:
        left = Tuple(expr, Customer.id)
        right = Tuple(Value(value_of(after), converter=False), Value(after.id, converter=False))
        select = select.where(left < right if query.descending else left > right)
    order = (expr.desc(), Customer.id.desc()) if query.descending else (expr.asc(), Customer.id.asc())
    return [_row(c) for c in select.order_by(*order).limit(limit)]


def count_customers(query: CustomerQuery = CustomerQuery()) -> int:
    select = Customer.select(fn.COUNT(Customer.id))
    for clause in query.where():
        select = select.where(clause)
    return select.scalar() or 0


def _values(draft: CustomerDraft) -> dict:
    return {
        Customer.name: draft.name,
        Customer.status: draft.status,
        Customer.tax_percent: draft.tax_percent,
        Customer.notes: draft.notes,
        Customer.updated_at: now_text(),
    }


def _taken(name: str, except_id: int | None) -> bool:
    query = Customer.select(Customer.id).where(Customer.name == name)
    if except_id is not None:
        query = query.where(Customer.id != except_id)
    return query.exists()


def create_customer(draft: CustomerDraft, *, usage_prepaid: bool = True) -> CustomerRow:
    with database.atomic():
        if _taken(draft.name, None):
            raise CustomerNameTaken(draft.name)
        try:
            new_id = Customer.insert({**_values(draft), Customer.usage_prepaid: bool(usage_prepaid)}).execute()
        except IntegrityError:
            raise CustomerNameTaken(draft.name) from None
    return get_customer(new_id)


def update_customer(customer_id: int, version: int, draft: CustomerDraft, *, usage_prepaid: bool | None = None) -> CustomerRow:
    """Save an edit made to `version`; `usage_prepaid` None leaves it as the book has it."""
    with database.atomic():
        if _taken(draft.name, customer_id):
            raise CustomerNameTaken(draft.name)
        values = _values(draft)
        if usage_prepaid is not None:
            values[Customer.usage_prepaid] = bool(usage_prepaid)
        values[Customer.version] = Customer.version + 1
        changed = Customer.update(values).where((Customer.id == customer_id) & (Customer.version == version)).execute()
        if not changed:
            current = get_customer(customer_id)
            if current is None:
                raise NotFound("this customer was deleted by someone else")
            theirs = current.draft()
            diffs = [
                (f.name, getattr(draft, f.name), getattr(theirs, f.name))
                for f in fields(CustomerDraft)
                if getattr(draft, f.name) != getattr(theirs, f.name)
            ]
            raise CustomerConflict(current, diffs)
    return get_customer(customer_id)


# --- import / export --------------------------------------------------------


def import_customers(source: str | Path | TextIO) -> tuple[int, int]:
    """All rows or none; a name that exists updates that customer (only the
    columns the file has). Returns (added, updated)."""
    rows = read_table(source, CUSTOMER_FIELDS, ("name",))
    existing = {
        name.casefold(): {"name": name, "status": status, "tax_percent": format_price(from_micros(tax)), "notes": notes}
        for name, status, tax, notes in database.execute_sql("SELECT name, status, tax_percent, notes FROM customer").fetchall()
    }
    problems: list[RowProblem] = []
    drafts: list[CustomerDraft] = []
    first: dict[str, int] = {}
    for line, cells in rows:
        found = existing.get(" ".join((cells.get("name") or "").split()).casefold(), {})
        draft, errors = parse_customer({**found, **cells})
        for error in errors:
            problems.append(RowProblem(line, error.field, error.message))
        if draft is None:
            continue
        key = draft.name.casefold()
        if key in first:
            problems.append(RowProblem(line, "name", f"'{draft.name}' is also on line {first[key]}"))
            continue
        first[key] = line
        drafts.append(draft)
    if problems:
        raise ImportFailed(problems)
    added = updated = 0
    with database.atomic(), bulk():
        existing = {name.casefold(): cid for cid, name in Customer.select(Customer.id, Customer.name).tuples()}
        for draft in drafts:
            values = _values(draft)
            cid = existing.get(draft.name.casefold())
            if cid is None:
                Customer.insert(values).execute()
                added += 1
            else:
                values[Customer.version] = Customer.version + 1
                Customer.update(values).where(Customer.id == cid).execute()
                updated += 1
    return added, updated


def customer_record(row: CustomerRow) -> dict:
    return {
        "name": row.name,
        "status": row.status,
        "tax_percent": format_price(row.tax_percent),
        "notes": row.notes,
    }


def iter_all_customers():
    after = None
    while True:
        page = list_customers(CustomerQuery(), after, 1000)
        if not page:
            return
        yield from page
        after = page[-1]


def export_customers(out: TextIO, fmt: str = "csv") -> int:
    return write_records((customer_record(r) for r in iter_all_customers()), CUSTOMER_FIELDS, out, fmt)
