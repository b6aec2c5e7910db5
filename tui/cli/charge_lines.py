"""How charges are written, for `charges` and `run`: a table, CSV or JSON,
one line per charge, in run order (billing.run.run_order); and for a whole
book, lines filed by date as allocations come in customer order, spilled to
files, then written date by date (Filed, emit), so a year of a large book runs
in bounded memory, reading each allocation once."""

from __future__ import annotations

import json
import tempfile
from datetime import date
from decimal import Decimal
from typing import Iterable, TextIO

from billing.labels import ESTIMATE_MARK, field_label
from billing.money import round_money
from billing.run import run_order
from store.csvio import escape_cell


CHARGE_COLUMNS = (
    "date",
    "customer",
    "package",
    "allocation",
    "kind",
    "quantity",
    "period_start",
    "period_end",
    "amount",
    "cost",
)


def _csv_cell(value: str) -> str:
    """One CSV cell as csv.writer writes it (quoted when it must be), with
    formula-looking text escaped for spreadsheets."""
    value = escape_cell(value)
    if any(c in value for c in ',"\n\r'):
        return '"' + value.replace('"', '""') + '"'
    return value


def _table_header() -> str:
    date_, customer, package, amount, cost = map(field_label, ("date", "customer", "package", "amount", "cost"))
    return f"{date_:<10} {customer:<18} {package:<20} {'kind':<13} {'qty':>5} {amount:>11} {cost:>11}"


class LineFormat:
    """One charge as one line of the chosen format. Repeated pieces (dates,
    amounts, an allocation's names) are worked out once: a year of a large
    book is millions of lines."""

    def __init__(self, fmt: str, precision: int):
        self.fmt = fmt
        self.precision = precision
        self._dates: dict[date, str] = {}
        self._money: dict[Decimal, str] = {}

    def day(self, value: date) -> str:
        text = self._dates.get(value)
        if text is None:
            text = self._dates[value] = value.isoformat()
        return text

    def money(self, value: Decimal) -> str:
        text = self._money.get(value)
        if text is None:
            text = self._money[value] = format(round_money(value, self.precision), "f")
        return text

    def file(self, row, charges, held: dict[date, list[str]]) -> None:
        """Each of one allocation's charges as a line, appended to its date's
        list in `held` (the hot path of `charges`: millions of lines)."""
        if self.fmt != "csv":
            for charge in charges:
                _append(held, charge.date, self.line(row, charge))
            return
        prefix = f"{_csv_cell(row.customer)},{_csv_cell(row.package)},{row.id}"
        dates, money, day, amount_text = self._dates, self._money, self.day, self.money
        last_key, middle, tail = None, "", ""
        for when, kind, ps, pe, qty, amount, cost, _allocation, _basis in charges:
            key = (kind, qty, amount, cost)
            if key != last_key:  # an allocation's lines mostly share all of these
                last_key = key
                middle = f",{prefix},{kind},{qty},"
                tail = f",{money.get(amount) or amount_text(amount)},{money.get(cost) or amount_text(cost)}\n"
            d = dates.get(when) or day(when)
            line = f"{d}{middle}{d if ps == when else dates.get(ps) or day(ps)},{dates.get(pe) or day(pe)}{tail}"
            lines = held.get(when)
            if lines is None:
                held[when] = [line]
            else:
                lines.append(line)

    def line(self, row, charge) -> str:
        fmt = self.fmt
        if fmt == "csv":
            held: dict[date, list[str]] = {}
            self.file(row, (charge,), held)
            return held[charge.date][0]
        record = {
            "date": self.day(charge.date), "customer": row.customer, "package": row.package, "allocation": row.id,
            "kind": charge.kind, "quantity": charge.quantity, "period_start": self.day(charge.period_start),
            "period_end": self.day(charge.period_end), "amount": self.money(charge.amount), "cost": self.money(charge.cost),
        }
        if fmt == "json":
            return json.dumps(record, ensure_ascii=False) + "\n"
        mark = ESTIMATE_MARK if is_estimate(charge) else ""
        r = record
        return (
            f"{r['date']:<10} {r['customer'][:18]:<18} {r['package'][:20]:<20} {r['kind']:<13} "
            f"{r['quantity']:>5} {r['amount'] + mark:>11} {r['cost']:>11}\n"
        )


def is_estimate(charge) -> bool:
    return charge.basis is not None and getattr(charge.basis, "estimate", False)


class ChargeWriter:
    """Writes charges in the chosen format, with the header, the JSON
    brackets and the table's totals; `write` takes lines in run order."""

    def __init__(self, out: TextIO, fmt: str, settings):
        self.out, self.fmt, self.settings = out, fmt, settings
        self.precision = settings.precision
        self.format = LineFormat(fmt, settings.precision)
        self.count = 0
        self.estimates = 0
        self.retail = Decimal(0)
        self.cost = Decimal(0)
        if fmt == "json":
            out.write("[")
        elif fmt == "csv":
            out.write(",".join(CHARGE_COLUMNS) + "\n")
        else:
            self.header = _table_header()
            out.write(self.header + "\n" + "-" * len(self.header) + "\n")

    def count_in(self, charge) -> None:
        self.retail += charge.amount
        self.cost += charge.cost
        self.count += 1
        if is_estimate(charge):
            self.estimates += 1

    def put(self, line: str) -> None:
        """One formatted line, in order."""
        if self.fmt == "json":
            self.out.write(("," if self._written else "") + "\n  " + line.rstrip("\n"))
            self._written = True
        else:
            self.out.write(line)

    _written = False

    def write(self, pairs: Iterable) -> None:
        """Lines already in run order (a run's plan), or any order (sorted here)."""
        line = self.format.line
        for row, charge in sorted(pairs, key=lambda pair: run_order(pair[0].customer, pair[0].id, pair[1])):
            self.count_in(charge)
            self.put(line(row, charge))

    def close(self) -> int:
        if self.fmt == "json":
            self.out.write("\n]\n" if self.count else "]\n")
        elif self.fmt == "table":
            money = self.format.money
            self.out.write("-" * len(self.header) + "\n")
            self.out.write(
                f"{self.count} charge(s)   total {self.settings.currency} {money(self.retail)}   "
                f"cost {money(self.cost)}   margin {money(self.retail - self.cost)}\n"
            )
            if self.estimates:
                what = (
                    "estimate(s): minimum-spend true-ups of periods not ended yet and usage of days to come"
                    if getattr(self.settings, "usage_billing", False) else "minimum-spend true-up(s) of periods not ended yet"
                )
                self.out.write(
                    f"{ESTIMATE_MARK} {self.estimates} {what}: estimated from usage known so far plus the last 30 days' run rate.\n"
                )
        return self.count


def write_charges(lines: Iterable, out: TextIO, fmt: str, settings) -> int:
    """All of `lines` as one block in run order; the table ends with totals."""
    writer = ChargeWriter(out, fmt, settings)
    writer.write(lines)
    return writer.close()


def _append(held: dict[date, list[str]], day: date, line: str) -> None:
    lines = held.get(day)
    if lines is None:
        held[day] = [line]
    else:
        lines.append(line)


#: Lines held in memory, all dates together, before they go to the spill files.
SPILL_EVERY = 100_000


class Filed:
    """One share of a window's lines, filed by date as allocations come in
    customer order: held in memory up to SPILL_EVERY lines, then moved to one
    spill file a date (in `folder`, by name, when another process reads them;
    else anonymous). Counts (and, for the table, sums) what it filed."""

    def __init__(self, fmt: str, precision: int, folder: str | None = None):
        self.format = LineFormat(fmt, precision)
        self.totals = fmt == "table"  # only the table shows sums: CSV and JSON just count
        self.folder = folder
        self.held: dict[date, list[str]] = {}
        self.spills: dict[date, object] = {}
        self.count = self.estimates = 0
        self.retail = self.cost = Decimal(0)

    def take(self, groups: Iterable) -> "Filed":
        held, file = self.held, self.format.file
        waiting = 0
        for row, charges in groups:
            file(row, charges, held)
            waiting += len(charges)
            if waiting >= SPILL_EVERY:
                self.spill()
                waiting = 0
            self.count += len(charges)
            if self.totals:
                for charge in charges:
                    self.retail += charge.amount
                    self.cost += charge.cost
                    self.estimates += is_estimate(charge)
        return self

    def spill(self) -> None:
        for day, lines in self.held.items():
            if lines:
                handle = self.spills.get(day)
                if handle is None:
                    handle = self.spills[day] = (
                        tempfile.NamedTemporaryFile("w+", encoding="utf-8", dir=self.folder, delete=False)
                        if self.folder else tempfile.TemporaryFile("w+", encoding="utf-8")
                    )
                handle.write("".join(lines))
                lines.clear()

    def files(self) -> dict[date, str]:
        """Everything spilled, closed, by date: the file names (for another process)."""
        self.spill()
        names = {}
        for day, handle in self.spills.items():
            handle.close()
            names[day] = handle.name
        return names


def emit(writer: ChargeWriter, shares: list) -> None:
    """Write the shares' lines date by date, each date's lines share by share
    (the shares are in customer order): run order."""
    json_lines = writer.fmt == "json"

    def copy(handle) -> None:
        handle.seek(0)
        if json_lines:
            for text in handle:
                writer.put(text)
        else:
            for chunk in iter(lambda: handle.read(1 << 20), ""):
                writer.out.write(chunk)
        handle.close()

    days = sorted({day for share in shares for day in (share.held if isinstance(share, Filed) else share)})
    for day in days:
        for share in shares:
            if isinstance(share, Filed):
                handle = share.spills.pop(day, None)
                if handle is not None:
                    copy(handle)
                lines = share.held.get(day, ())
                if json_lines:
                    for text in lines:
                        writer.put(text)
                else:
                    writer.out.write("".join(lines))
            elif day in share:
                with open(share[day], encoding="utf-8") as handle:
                    copy(handle)


def add_counts(writer: ChargeWriter, count: int, retail: Decimal, cost: Decimal, estimates: int) -> None:
    writer.count += count
    writer.retail += retail
    writer.cost += cost
    writer.estimates += estimates


def write_window(writer: ChargeWriter, groups: Iterable, start: date) -> None:
    """Lines of one window (up to a year) that come allocation by allocation
    in customer order, written in run order with memory bounded whatever the
    book's size (see Filed)."""
    filed = Filed(writer.fmt, writer.precision).take(groups)
    add_counts(writer, filed.count, filed.retail, filed.cost, filed.estimates)
    emit(writer, [filed])
