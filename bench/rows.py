"""Rows of a realistic book, and the bulk inserts that put them in one.

Shared by the bench's books (bench/books.py) and by stress/stress.py, which
builds its small book with `add_book` too. Everything here goes into the book
that is open (store.models.database), inside the caller's transaction.

The generators are deterministic for a given seed or random.Random: the bench
books come out the same on every build.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

SERVICES = ["Telnyx DID", "Twilio SIP", "Bandwidth", "BT Wholesale", "Colt Voice", "Fax Relay"]
PREFIXES = ["DID UK", "DID US", "DID DE", "Toll-free UK", "SIP trunk", "Hosted PBX seat", "Fax line", "Call recording", "eSIM data", "SMS bundle"]
DESCRIPTIONS = ["", "", "", "Number rental", "Per channel", "Includes 1,000 minutes", "Porting included", "Legacy plan"]
MONTHLY_MATCHES = [(), (1,), (1,), (15,), (1, 15), (15, 31), (28,), (31,), (29, 30, 31), (5, 20)]
#: (frequency, weight, retail range in micro-units)
FREQUENCIES = [
    ("monthly", 55, (500_000, 500_000_000)),
    ("yearly", 12, (10_000_000, 5_000_000_000)),
    ("weekly", 10, (1_000_000, 50_000_000)),
    ("daily", 10, (10_000, 5_000_000)),
    ("none", 13, (0, 0)),
]
#: How often allocations pick a package of each frequency: a telecom book is
#: mostly monthly number rentals and seats; daily and weekly plans are rare.
ALLOCATION_MIX = {"monthly": 70, "none": 13, "yearly": 8, "weekly": 6, "daily": 3}
BIG_CUSTOMER = "AAA Wholesale Voice Ltd"  # the first customer; sorts first, so it is under the cursor after f3
NAME_FIRST = [
    "Northern", "Harbour", "Bright", "Crown", "Delta", "Summit", "Kestrel", "Meridian", "Orchard",
    "Pioneer", "Quay", "Riverside", "Silver", "Thames", "Union", "Valley", "Westgate", "Beacon",
    "Cedar", "Ember", "Falcon", "Granite", "Highland", "Iris", "Juniper", "Lumen", "Maple", "Nimbus",
    "Oak", "Pinnacle", "Redwood", "Sterling", "Tidal", "Vector", "Willow", "Zenith", "Castle", "Dune",
]
NAME_SECOND = [
    "Dental", "Logistics", "Legal", "Motors", "Estates", "Clinic", "Foods", "Print", "Travel", "Security",
    "Recruitment", "Accountants", "Architects", "Hotels", "Pharmacy", "Freight", "Media", "Plumbing",
    "Insurance", "Academy", "Studios", "Vets", "Bakery", "Telecom", "Couriers", "Solicitors",
]
NAME_SUFFIX = ["Ltd", "Ltd", "Ltd", "LLC", "Inc", "GmbH", "plc", "BV", "SARL", "& Co", "Group"]
TAX_RATES = ["0", "20", "20", "20", "19", "21", "8.875", "10", "5"]
USAGE_SOURCES = ("voice", "voice", "voice", "sms", "data", "fax")

#: The columns each generator's tuples fill, in order.
PACKAGE_COLUMNS = (
    "name retail cost setup_retail setup_cost frequency frequency_match description upstream_service "
    "minimum_spend minimum_days archived monthly_retail created_at updated_at"
).split()
CUSTOMER_COLUMNS = "name status tax_percent balance notes created_at updated_at".split()
ALLOCATION_COLUMNS = "customer package quantity start_date end_date auto_decrement prorate reference created_at updated_at".split()
#: Rows per INSERT, each under SQLite's 32,766 variables (15, 7 and 10 columns).
PACKAGE_BATCH, CUSTOMER_BATCH, ALLOCATION_BATCH = 1_000, 4_000, 3_000


# --- the generators ----------------------------------------------------------------


def _money(rng, low: int, high: int) -> Decimal:
    """A Decimal between low and high micro-units, with 0, 2, 3, 4 or 6 places."""
    places = rng.choices((2, 0, 3, 4, 6), weights=(70, 10, 8, 6, 6))[0]
    micros = rng.randint(low, high)
    micros -= micros % 10 ** (6 - places)
    return (Decimal(micros).scaleb(-6)).quantize(Decimal(1).scaleb(-places))


def package_rows(count: int, service_ids: list[int], seed: int = 100_000):
    """Realistic, varied packages as tuples in the order of PACKAGE_COLUMNS."""
    import random

    from billing.schedule import Frequency
    from billing.summary import monthly_equivalent

    rng = random.Random(seed)
    six = Decimal("0.000001")
    names = [f[0] for f in FREQUENCIES]
    weights = [f[1] for f in FREQUENCIES]
    ranges = {f[0]: f[2] for f in FREQUENCIES}
    for i in range(1, count + 1):
        frequency = rng.choices(names, weights=weights)[0]
        low, high = ranges[frequency]
        retail = _money(rng, low, high)
        cost = (retail * Decimal(rng.randint(30, 110)) / 100).quantize(six)  # some sell at a loss
        if frequency == "weekly":
            match = tuple(sorted(rng.sample(range(7), rng.choice((0, 1, 1, 2, 2, 3)))))
        elif frequency == "monthly":
            match = rng.choice(MONTHLY_MATCHES)
        else:
            match = ()
        has_setup = frequency == "none" or rng.random() < 0.25
        setup_retail = _money(rng, 1_000_000, 250_000_000) if has_setup else Decimal(0)
        setup_cost = (setup_retail * Decimal(rng.randint(0, 80)) / 100).quantize(six) if has_setup else Decimal(0)
        minimum_spend = frequency != "none" and rng.random() < 0.03
        minimum_days = rng.choice((0, 0, 0, 30, 90, 365)) if frequency != "none" else 0
        monthly = monthly_equivalent(retail, Frequency(frequency), match).quantize(six)
        service = rng.choice(service_ids) if service_ids and rng.random() < 0.35 else None
        stamp = f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00Z"
        yield (
            f"{PREFIXES[i % len(PREFIXES)]} {i:06d}",
            retail,
            cost,
            setup_retail,
            setup_cost,
            frequency,
            " ".join(str(d) for d in match),
            rng.choice(DESCRIPTIONS),
            service,
            minimum_spend,
            minimum_days,
            rng.random() < 0.06,  # archived
            monthly,
            stamp,
            stamp,
        )


def customer_rows(count: int, rng, balances: bool = True):
    """BIG_CUSTOMER, then count - 1 customers with varied names, statuses, tax
    rates and (unless `balances` is false: a book with no ledger yet) balances."""
    seen = {BIG_CUSTOMER.casefold()}
    yield (BIG_CUSTOMER, "active", Decimal("20"), Decimal("-12500.00") if balances else Decimal(0), "Reseller: DIDs and SIP trunks", "2024-01-02T09:00:00Z", "2024-01-02T09:00:00Z")
    for i in range(2, count + 1):
        name = f"{rng.choice(NAME_FIRST)} {rng.choice(NAME_SECOND)} {rng.choice(NAME_SUFFIX)}"
        if name.casefold() in seen:
            name = f"{name} {i}"
        seen.add(name.casefold())
        status = rng.choices(("active", "suspended", "closed"), weights=(90, 5, 5))[0]
        balance = Decimal(rng.randint(-50_000, 500_000)).scaleb(-2)
        stamp = f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00Z"
        yield (name, status, Decimal(rng.choice(TAX_RATES)), balance if balances else Decimal(0), "", stamp, stamp)


def _reference(rng, index: int) -> str:
    kind = rng.random()
    if kind < 0.45:
        return f"+44 20 {rng.randint(3000, 8999)} {rng.randint(0, 9999):04d}"
    if kind < 0.70:
        return f"+1 {rng.randint(201, 989)} {rng.randint(200, 999)} {rng.randint(0, 9999):04d}"
    if kind < 0.80:
        return f"+49 30 {rng.randint(1000000, 99999999)}"
    if kind < 0.90:
        return f"trunk-{index:06d}"
    return ""


def allocation_rows(packages: list[tuple[int, str, int]], today: date, rng, count: int, customers: int, big: int, days: int = 730, mix: dict[str, int] = ALLOCATION_MIX):
    """`count` allocations as tuples in the order of ALLOCATION_COLUMNS, in random
    customer order: `big` of them for customer 1, the rest spread at random over
    customers 2 to `customers`. `packages` are (id, frequency, minimum_days);
    `mix` weighs the frequencies; starts fall over the `days` days up to today."""
    by_frequency: dict[str, list[tuple[int, int]]] = {}
    for package_id, frequency, minimum_days in packages:
        by_frequency.setdefault(frequency, []).append((package_id, minimum_days))
    kinds = [k for k in mix if by_frequency.get(k)]
    weights = [mix[k] for k in kinds]
    owners = [1] * big + [rng.randint(2, customers) for _ in range(count - big)]
    rng.shuffle(owners)
    quantities = list(range(1, 51))
    quantity_weights = [60 if q == 1 else 12 if q <= 5 else 3 if q <= 10 else 1 for q in quantities]
    picked_kinds = rng.choices(kinds, weights=weights, k=count)
    picked_quantities = rng.choices(quantities, weights=quantity_weights, k=count)
    for index, (customer_id, kind, quantity) in enumerate(zip(owners, picked_kinds, picked_quantities), start=1):
        choices = by_frequency[kind]
        package_id, minimum_days = choices[min(len(choices) - 1, int(len(choices) * rng.random() ** 2))]  # some are popular
        start = today - timedelta(days=rng.randint(0, days))
        end = None
        if rng.random() < 0.20:
            end = start + timedelta(days=max(minimum_days, rng.randint(1, 540)))
        stamp = f"{start.isoformat()}T{index % 24:02d}:{index % 60:02d}:00Z"
        yield (
            customer_id,
            package_id,
            quantity,
            start,
            end,
            rng.random() < 0.15,  # auto_decrement
            rng.random() < 0.30,  # prorate
            _reference(rng, index),
            stamp,
            stamp,
        )


def usage_rows(import_id: int, big: int, customers: list[int], rng, records: int, days: int, big_records: int, today: date):
    """`records` usage rows (customer, date, amount, source, import, created_at) over
    the `days` days before today, in date order as daily files come in; customer
    `big` has `big_records` of them, the rest fall at random on the others."""
    per_day, extra = divmod(records, days)
    big_per_day = big_records // days
    others = [c for c in customers if c != big]
    n_others, n_sources = len(others), len(USAGE_SOURCES)
    r = rng.random
    for n in range(days):
        day = today - timedelta(days=days - n)  # the last day is yesterday
        text = day.isoformat()
        stamp = f"{(day + timedelta(days=1)).isoformat()}T06:00:00Z"
        for i in range(per_day + (1 if n < extra else 0)):
            if i < big_per_day:
                customer, top = big, 80_000_000
            else:
                customer, top = others[int(r() * n_others)], 20_000_000
            # micro-units: mostly small amounts, a few large ones
            yield (customer, text, int(r() ** 3 * top), USAGE_SOURCES[int(r() * n_sources)], import_id, stamp)


# --- the inserts -------------------------------------------------------------------


def insert_rows(model, columns: list[str], rows, size: int) -> None:
    """insert_many of `rows` into `model`, `size` rows per statement."""
    fields = [getattr(model, column) for column in columns]
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            model.insert_many(batch, fields=fields).execute()
            batch = []
    if batch:
        model.insert_many(batch, fields=fields).execute()


def add_services(names: list[str] = SERVICES) -> list[int]:
    """The upstream services; the ids of all of them."""
    from store.models import UpstreamService

    UpstreamService.insert_many([(name, "") for name in names], fields=[UpstreamService.name, UpstreamService.description]).execute()
    return [s.id for s in UpstreamService.select(UpstreamService.id)]


def add_packages(count: int, seed: int = 100_000) -> None:
    """SERVICES and `count` packages of package_rows(seed)."""
    from store.models import Package

    insert_rows(Package, PACKAGE_COLUMNS, package_rows(count, add_services(), seed=seed), PACKAGE_BATCH)


def add_book(packages: int, customers: int, allocations: int, big: int, today: date, rng, *, package_seed: int, days: int = 730, mix: dict[str, int] = ALLOCATION_MIX, balances: bool = True) -> None:
    """Services, packages, customers and allocations (see allocation_rows) into
    the open book, which must be empty: customer ids are taken to run from 1."""
    from store.models import Allocation, Customer, Package

    add_packages(packages, seed=package_seed)
    insert_rows(Customer, CUSTOMER_COLUMNS, customer_rows(customers, rng, balances), CUSTOMER_BATCH)
    picks = list(Package.select(Package.id, Package.frequency, Package.minimum_days).tuples())
    insert_rows(Allocation, ALLOCATION_COLUMNS, allocation_rows(picks, today, rng, allocations, customers, big, days, mix), ALLOCATION_BATCH)
