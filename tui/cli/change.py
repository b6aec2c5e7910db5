"""`packdesk change`: an allocation changes from a date (an upgrade, a
downgrade, a move to another package): it ends the day before and a successor
starts that day with the new quantity and/or package."""

from __future__ import annotations

from billing.accounts import parse_quantity
from billing.catalogue import FieldError
from store.allocations import get_allocation
from store.changes import change_allocation
from store.errors import StoreError
from store.packages import find_package

from .common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, customer_id, err


def cmd_change(args, book) -> int:
    if args.quantity is None and args.package is None:
        err("give --quantity N, --package NAME or both: what the allocation changes to")
        return EXIT_USAGE
    quantity = None
    if args.quantity is not None:
        if not args.quantity.strip():
            err("--quantity: give a whole number of 1 or more (it is empty)")
            return EXIT_USAGE
        try:
            quantity = parse_quantity(args.quantity)
        except FieldError as exc:
            err(f"--quantity: {exc.message}")
            return EXIT_USAGE
    ok, customer = customer_id(args.customer, required=True)
    if not ok:
        return EXIT_FAILED
    current = get_allocation(args.allocation)
    if current is None or current.customer_id != customer:
        err(f"--allocation: {args.allocation} is not an allocation of '{args.customer}'")
        return EXIT_FAILED
    package_id = None
    if args.package is not None:
        package = find_package(args.package)
        if package is None:
            err(f"--package: '{args.package}' is not a package of this book")
            return EXIT_FAILED
        package_id = package.id
    try:
        old, new = change_allocation(current.id, args.change_from, quantity, package_id)
    except FieldError as exc:
        err(f"--{'quantity' if exc.field == 'quantity' else exc.field.replace('_', '-')}: {exc.message}")
        return EXIT_FAILED
    except StoreError as exc:
        err(str(exc))
        return EXIT_FAILED
    setup = "" if new.setup else " (no second setup: the same package)"
    print(
        f"Allocation {old.id} ({old.quantity} x {old.package}) now ends on {old.end}; "
        f"allocation {new.id} ({new.quantity} x {new.package}) follows it from {new.start}"
        f"{' to ' + str(new.end) if new.end else ''}{setup}."
    )
    return EXIT_OK
