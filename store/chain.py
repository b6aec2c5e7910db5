"""The ledger, the payments and the usage lines are tamper-evident.

Posted lines, payments and usage lines are append-only (the book's triggers
refuse UPDATE and DELETE, see migrations 0006 and 0014). Each line also carries a hash chained to the
line before it: sha256 of the previous line's hash and the line's own
content. `verify` walks a chain and names the first line whose hash does not
follow; a committed run prints the ledger's head (the last hash), so that a
head kept elsewhere (a cron log) proves later that the ledger still extends
it, even if someone rewrote history and recomputed every hash after it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Iterable, Iterator, Sequence

from .models import database

GENESIS = "packdesk"

#: Columns hashed, in order, per table.
LEDGER_COLUMNS = (
    "allocation_id", "customer_id", "package_id", "kind", "date", "period_start", "period_end", "quantity",
    "amount", "cost", "retail_price", "cost_price", "setup_retail_price", "setup_cost_price", "auto_decrement",
    "run_id", "posted_at", "posted_by",
)
PAYMENT_COLUMNS = (
    "customer_id", "date", "amount", "kind", "description", "reference", "reverses_id", "created_at", "created_by",
)
#: A usage line: a customer's calls of one day (migration 0014).
USAGE_LINE_COLUMNS = (
    "customer_id", "date", "amount", "calls", "seconds", "free_seconds", "auto_decrement", "run_id", "posted_at", "posted_by",
)
TABLES = {"ledger": LEDGER_COLUMNS, "payment": PAYMENT_COLUMNS, "usage_line": USAGE_LINE_COLUMNS}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def link(previous: str, values: Sequence) -> str:
    """The hash of one line: its content chained to the line before."""
    content = "\x1f".join(_text(v) for v in values)
    return hashlib.sha256(f"{previous}\x1e{content}".encode()).hexdigest()


def head(table: str = "ledger") -> str:
    """The last hash of a chain (GENESIS while it is empty)."""
    row = database.execute_sql(f"SELECT hash FROM {table} ORDER BY id DESC LIMIT 1").fetchone()
    return row[0] if row and row[0] else GENESIS


def now_text() -> str:
    """A posting time as the book writes it (UTC, milliseconds)."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def chained(previous: str, rows: Iterable[Sequence]) -> Iterator[tuple[Sequence, str]]:
    """Each row (values in the table's column order) with its hash."""
    for values in rows:
        previous = link(previous, values)
        yield values, previous


def chained_plain(previous: str, rows: Iterable[Sequence]) -> list[tuple]:
    """Rows of ints and text only (as a run builds them), each with its hash
    appended: the same hashes as `chained`, made faster."""
    sha256 = hashlib.sha256
    out = []
    append = out.append
    for values in rows:
        previous = sha256(f"{previous}\x1e{chr(0x1f).join(map(str, values))}".encode()).hexdigest()
        append((*values, previous))
    return out


@dataclass(frozen=True, slots=True)
class Verdict:
    table: str
    lines: int
    head: str
    broken_at: int | None = None  # the id of the first line that does not follow
    found_head: bool | None = None  # with a head to find: was it in the chain?

    @property
    def ok(self) -> bool:
        return self.broken_at is None and self.found_head is not False


def verify(table: str = "ledger", expected_head: str | None = None, batch: int = 50_000) -> Verdict:
    """Walk a chain from its first line; stop at the first that does not follow."""
    columns = TABLES[table]
    previous = GENESIS
    lines = 0
    found = None if expected_head is None else (expected_head == GENESIS)
    after = 0
    sql = f"SELECT id, hash, {', '.join(columns)} FROM {table} WHERE id > ? ORDER BY id LIMIT {batch}"
    while True:
        rows = database.execute_sql(sql, (after,)).fetchall()
        if not rows:
            return Verdict(table, lines, previous, None, found)
        for row in rows:
            expected = link(previous, row[2:])
            if row[1] != expected:
                return Verdict(table, lines, previous, row[0], found)
            previous = expected
            lines += 1
            if expected_head is not None and expected == expected_head:
                found = True
        after = rows[-1][0]
