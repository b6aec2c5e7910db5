"""Payments and credits: recorded once, never edited; a mistake is undone by
a reversing line. The balance moves in the same transaction, by
billing.ledger's rule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from billing.ledger import PAYMENT_KINDS, payment_effect
from billing.money import MAX_LINE, format_grouped, from_micros, round_money, to_micros

from . import chain
from .dialect import insert_id, lock_ledger
from .book import current_user, stored_precision
from .errors import StoreError
from .models import database
from .sql import as_date


@dataclass(frozen=True, slots=True)
class PaymentRow:
    id: int
    customer_id: int
    date: date
    amount: Decimal
    kind: str
    description: str
    reference: str
    reverses_id: int | None
    reversed_by: int | None
    created_by: str


_INSERT = f"INSERT INTO payment ({', '.join(chain.PAYMENT_COLUMNS)}, hash) VALUES ({', '.join('?' * (len(chain.PAYMENT_COLUMNS) + 1))})"


def _insert(customer_id: int, day: date, amount: Decimal, kind: str, description: str, reference: str, reverses: int | None) -> int:
    """Append one payment line, chained to the one before (store.chain)."""
    values = (customer_id, day.isoformat(), to_micros(amount), kind, description, reference, reverses, chain.now_text(), current_user())
    lock_ledger()
    return insert_id(_INSERT, (*values, chain.link(chain.head("payment"), values)))


def _move_balance(customer_id: int, kind: str, amount: Decimal) -> None:
    database.execute_sql(
        "UPDATE customer SET balance = balance + ? WHERE id = ?", (to_micros(payment_effect(kind, amount)), customer_id)
    )


def record_payment(customer_id: int, day: date, amount: Decimal, kind: str = "payment", description: str = "", reference: str = "") -> PaymentRow:
    if not isinstance(amount, Decimal):
        raise TypeError(f"money must be a Decimal, got {type(amount).__name__}")
    if kind not in PAYMENT_KINDS:
        raise StoreError(f"'{kind}' is not payment or credit")
    if amount <= 0:
        raise StoreError("the amount must be more than 0")
    places = stored_precision()
    if amount != round_money(amount, places):
        raise StoreError(
            f"{amount} has more decimal places than this book keeps ({places}); "
            "payments and credits are not rounded: give the exact amount"
        )
    if amount > MAX_LINE:
        raise StoreError(f"{format_grouped(amount)} is more than the largest amount a book takes ({format_grouped(MAX_LINE)})")
    with database.atomic():
        exists = database.execute_sql("SELECT 1 FROM customer WHERE id = ?", (customer_id,)).fetchone()
        if not exists:
            raise StoreError("that customer no longer exists")
        new_id = _insert(customer_id, day, amount, kind, description.strip(), reference.strip(), None)
        _move_balance(customer_id, kind, amount)
    return get_payment(new_id)


def reversal_refusal(payment_id: int) -> str | None:
    """Why the payment can't be reversed (None: it can), to say before asking."""
    original = get_payment(payment_id)
    if original is None:
        return f"there is no payment {payment_id}"
    if original.kind == "reversal":
        return f"payment {payment_id} is itself a reversal; record a new payment instead"
    if original.reversed_by is not None:
        return f"payment {payment_id} was already reversed (by {original.reversed_by})"
    return None


def reverse_payment(payment_id: int, day: date, description: str = "") -> PaymentRow:
    """Reverse a payment or credit with a reversing line; the original stays."""
    with database.atomic():
        refusal = reversal_refusal(payment_id)
        if refusal:
            raise StoreError(refusal)
        original = get_payment(payment_id)
        new_id = _insert(
            original.customer_id,
            day,
            original.amount,
            "reversal",
            description.strip() or f"reverses {original.kind} {original.id}",
            original.reference,
            original.id,
        )
        _move_balance(original.customer_id, "reversal", original.amount)
    return get_payment(new_id)


_PAYMENT_SELECT = (
    "SELECT p.id, p.customer_id, p.date, p.amount, p.kind, p.description, p.reference, p.reverses_id, "
    "(SELECT r.id FROM payment r WHERE r.reverses_id = p.id), p.created_by FROM payment p "
)


def _payment(row) -> PaymentRow:
    return PaymentRow(row[0], row[1], as_date(row[2]), from_micros(row[3]), row[4], row[5], row[6], row[7], row[8], row[9])


def get_payment(payment_id: int) -> PaymentRow | None:
    row = database.execute_sql(_PAYMENT_SELECT + "WHERE p.id = ?", (payment_id,)).fetchone()
    return _payment(row) if row else None


def list_payments(customer_id: int) -> list[PaymentRow]:
    rows = database.execute_sql(_PAYMENT_SELECT + "WHERE p.customer_id = ? ORDER BY p.date, p.id", (customer_id,)).fetchall()
    return [_payment(r) for r in rows]
