"""The balance rule and a customer's statement, as pure functions.

A customer's balance is what they paid and were credited, less what was
reversed, less the posted charges of allocations with auto decrement credit.
Charges of allocations without it don't move the balance: they are unbilled,
for invoicing. A usage line (a customer's calls of a day) follows the same
rule: a prepaid customer's comes off the balance, a postpaid one's is
unbilled. store/ keeps a running balance in the same transaction as each
line and checks it against this rule (`packdesk check`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Iterable

ZERO = Decimal(0)

#: The kind of a usage line (billing.usage_lines): a customer's calls of a day.
USAGE = "usage"
PAYMENT_KINDS = ("payment", "credit")
#: How each kind of payment line moves the balance.
PAYMENT_SIGNS = {"payment": 1, "credit": 1, "reversal": -1}
#: How a posted charge moves the balance: auto decrement takes it off; without
#: auto decrement it is unbilled and moves nothing.
CHARGE_SIGNS = {True: -1, False: 0}


def payment_effect(kind: str, amount: Decimal) -> Decimal:
    """What a payment line of `kind` adds to the balance (negative: takes off)."""
    return amount * PAYMENT_SIGNS[kind]


def charge_effect(amount: Decimal, auto_decrement: bool) -> Decimal:
    """What a posted charge adds to the balance."""
    return amount * CHARGE_SIGNS[bool(auto_decrement)]


def balance(payments: Iterable[tuple[str, Decimal]], charges: Iterable[tuple[Decimal, bool]]) -> Decimal:
    """The balance from (kind, amount) payment lines and (amount, auto decrement) charges."""
    total = ZERO
    for kind, amount in payments:
        total += payment_effect(kind, amount)
    for amount, auto in charges:
        total += charge_effect(amount, auto)
    return total


@dataclass(frozen=True, slots=True)
class PaymentEvent:
    id: int
    date: date
    kind: str
    amount: Decimal
    description: str
    reference: str


@dataclass(frozen=True, slots=True)
class ChargeEvent:
    id: int
    date: date
    kind: str
    package: str
    quantity: int
    period_start: date
    period_end: date
    amount: Decimal
    auto_decrement: bool


@dataclass(frozen=True, slots=True)
class StatementLine:
    date: date
    what: str
    detail: str
    debit: Decimal  # charges that come off the balance
    credit: Decimal  # payments and credits
    balance: Decimal | None  # running balance after the line (None for unbilled charges)
    unbilled: Decimal  # charges of allocations without auto decrement


def _order(event) -> tuple:
    # On one date payments come before charges, each in the order recorded.
    return (event.date, 1 if isinstance(event, ChargeEvent) else 0, event.id)


def statement_lines(
    events: Iterable[PaymentEvent | ChargeEvent], start: date | None = None, end: date | None = None
) -> tuple[Decimal, list[StatementLine]]:
    """The opening balance at `start` and every line dated in [start, end],
    with the running balance after each."""
    running = ZERO
    opening = ZERO
    lines: list[StatementLine] = []
    for event in sorted(events, key=_order):
        if isinstance(event, PaymentEvent):
            signed = payment_effect(event.kind, event.amount)
            running += signed
            detail = f"#{event.id} {event.description}".strip() + (f" ref {event.reference}" if event.reference else "")
            line = StatementLine(
                event.date, event.kind, detail, -signed if signed < 0 else ZERO, signed if signed > 0 else ZERO, running, ZERO
            )
        else:
            usage = event.kind == USAGE
            # A usage line names its calls where a charge names its package.
            detail = event.package if usage else (
                f"{event.quantity} x {event.package} {event.kind} {event.period_start}..{event.period_end}"
            )
            if event.auto_decrement:
                running += charge_effect(event.amount, True)
                line = StatementLine(event.date, "usage" if usage else "charge", detail, event.amount, ZERO, running, ZERO)
            else:
                line = StatementLine(event.date, "usage" if usage else "unbilled", detail, ZERO, ZERO, None, event.amount)
        if start is not None and event.date < start:
            opening = running
            continue
        if end is not None and event.date > end:
            continue
        lines.append(line)
    return opening, lines
