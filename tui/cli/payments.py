"""`packdesk pay` and `packdesk reverse`: payments and credits, and their reversal."""

from __future__ import annotations

from billing.money import MoneyError, format_money, parse_amount
from store.customers import get_customer
from store.errors import StoreError
from store.payments import record_payment, reverse_payment

from .common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, customer_id, err, today


def cmd_pay(args, book) -> int:
    ok, customer = customer_id(args.customer, required=True)
    if not ok:
        return EXIT_FAILED
    try:
        amount = parse_amount(args.amount)
    except MoneyError as exc:
        err(f"--amount: {exc}")
        return EXIT_USAGE
    if amount <= 0:
        err("--amount: must be more than 0")
        return EXIT_USAGE
    try:
        row = record_payment(customer, args.pay_date or today(args, book), amount, args.kind, args.description, args.reference)
    except StoreError as exc:
        err(str(exc))
        return EXIT_FAILED
    balance = get_customer(customer).balance
    p = book.settings.precision
    print(f"Recorded {row.kind} {row.id}: {format_money(row.amount, p)} on {row.date}. "
          f"Balance {format_money(balance, p)} {book.settings.currency}.")
    return EXIT_OK


def cmd_reverse(args, book) -> int:
    try:
        row = reverse_payment(args.payment, args.pay_date or today(args, book), args.description)
    except StoreError as exc:
        err(str(exc))
        return EXIT_FAILED
    print(f"Recorded reversal {row.id} of {row.reverses_id}: -{format_money(row.amount, book.settings.precision)} on {row.date}.")
    return EXIT_OK
