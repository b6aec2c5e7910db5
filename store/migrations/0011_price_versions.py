"""Price versions: a package's retail, cost, setup retail and setup cost from
a date (BILLING.md, "Lifecycle rules").

`package_price` holds one row per version: the package, the date it takes
effect and the four prices in micro-units (as every money column). Every
package gets one version with its prices as they are, effective from the
beginning (0001-01-01): charges posted before versions existed were posted at
those prices, and an allocation whose start is earlier than anything the book
knows still finds a price. Adding a version never changes a posted line (the
ledger keeps the prices it was posted with).

The package row's own four price columns are kept, derived from the
versions: they mirror the package's newest version (the prices as last set,
whatever date they take effect). A mirror rather than "today's prices": the
book would have to rewrite rows when a date passes, and a read-only book
can't. What is in force on a date is always read from `package_price`
(store.prices); the mirror keeps a new package's prices on the row that
creates it (the insert trigger below makes its first version from them) and
lets any other writer change prices the old way.

Triggers make this hold whoever writes the book:

- a new package gets its first version from the beginning;
- a version added, changed or removed sets the mirror to the newest version;
- a package's prices written on its row (a script, the sqlite3 shell) that
  differ from its newest version become a version from today's date (UTC:
  the database knows no time zone);
- a version added, changed or removed from date D moves the run marks of the
  package's allocations back to D (not before the allocation's start) when
  they are past it, so the next run plans the charges from D at the prices
  now in force; posted lines stay as they are (the ledger's unique key posts
  nothing twice). True-up marks move only for minimum-spend packages, from
  D: a true-up uses the commitment in force on its period's first day, and
  a period starting on or after D settles after D.

The audit log gets a row per version added, changed or removed (the first
version, while it is the only one, is the package row's own audit: its
insert, and its prices changing on the row): the package,
the field `prices from YYYY-MM-DD` (`beginning` for the first) and the four
prices as text, old and new.

Migration 0005's trigger moved every allocation of a package back to its start
whenever the package's row changed prices; prices now move the marks from the
version's date only, so that trigger no longer watches them.
"""

BEGINNING = "0001-01-01"
PRICES = ("retail", "cost", "setup_retail", "setup_cost")
TERMS = ("frequency", "frequency_match", "minimum_spend")


def _differs(new: str, version: str) -> str:
    return " OR ".join(f"{new}.{c} IS NOT {version}.{c}" for c in PRICES)


NEWEST = "(SELECT {c} FROM package_price v WHERE v.package_id = {pid} ORDER BY v.effective_from DESC LIMIT 1)"


def _mirror(pid: str) -> str:
    sets = ", ".join(f"{c} = {NEWEST.format(c=c, pid=pid)}" for c in PRICES)
    return f"UPDATE package SET {sets} WHERE id = {pid} AND EXISTS (SELECT 1 FROM package_price WHERE package_id = {pid});"


def _marks_back(pid: str, day: str) -> str:
    return (
        "UPDATE allocation SET "
        f"charges_from = CASE WHEN charges_from IS NULL OR charges_from > {day} "
        f"THEN MAX(start_date, {day}) ELSE charges_from END, "
        f"true_ups_from = CASE WHEN (SELECT minimum_spend FROM package WHERE id = {pid}) = 1 "
        f"AND (true_ups_from IS NULL OR true_ups_from > {day}) THEN MAX(start_date, {day}) ELSE true_ups_from END, "
        "marks_seq = marks_seq + 1 "
        f"WHERE package_id = {pid} AND (end_date IS NULL OR end_date >= date({day}, '-1 day'));"
    )


def _money_text(column: str) -> str:
    """Micro-units as a decimal with at least 2 places, in integer SQL (no float)."""
    frac = f"rtrim(substr('000000' || ({column} % 1000000), -6), '0')"
    return f"(({column} / 1000000) || '.' || substr({frac} || '00', 1, max(2, length({frac}))))"


def _prices_text(row: str) -> str:
    labels = {"retail": "retail", "cost": "cost", "setup_retail": "setup retail", "setup_cost": "setup cost"}
    return " || ', ' || ".join(f"'{labels[c]} ' || {_money_text(f'{row}.{c}')}" for c in PRICES)


def _audit(action: str, row: str, old: str, new: str) -> str:
    day = f"CASE WHEN {row}.effective_from = '{BEGINNING}' THEN 'beginning' ELSE {row}.effective_from END"
    return (
        "INSERT INTO audit (by, entity, entity_id, action, field, old, new) VALUES "
        f"(packdesk_user(), 'package', {row}.package_id, '{action}', 'prices from ' || {day}, {old}, {new});"
    )


COLUMNS = ", ".join(PRICES)
AUDIT = [
    "CREATE TRIGGER audit_package_price_insert AFTER INSERT ON package_price "
    f"WHEN NEW.effective_from != '{BEGINNING}' BEGIN\n"
    f"{_audit('insert', 'NEW', 'NULL', _prices_text('NEW'))}\nEND",
    f"CREATE TRIGGER audit_package_price_update AFTER UPDATE OF {COLUMNS} ON package_price "
    f"WHEN ({_differs('OLD', 'NEW')}) AND (NEW.effective_from != '{BEGINNING}' OR EXISTS (SELECT 1 FROM package_price "
    f"WHERE package_id = NEW.package_id AND effective_from > NEW.effective_from)) BEGIN\n{_audit('update', 'NEW', _prices_text('OLD'), _prices_text('NEW'))}\nEND",
    "CREATE TRIGGER audit_package_price_delete AFTER DELETE ON package_price BEGIN\n"
    f"{_audit('delete', 'OLD', _prices_text('OLD'), 'NULL')}\nEND",
]
STATEMENTS = [
    """CREATE TABLE package_price (
        id INTEGER PRIMARY KEY,
        package_id INTEGER NOT NULL REFERENCES package (id) ON DELETE CASCADE,
        effective_from DATE NOT NULL,
        retail INTEGER NOT NULL DEFAULT 0 CHECK (retail >= 0),
        cost INTEGER NOT NULL DEFAULT 0 CHECK (cost >= 0),
        setup_retail INTEGER NOT NULL DEFAULT 0 CHECK (setup_retail >= 0),
        setup_cost INTEGER NOT NULL DEFAULT 0 CHECK (setup_cost >= 0),
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
        created_by TEXT NOT NULL DEFAULT '',
        UNIQUE (package_id, effective_from)
    )""",
    f"INSERT INTO package_price (package_id, effective_from, {COLUMNS}) SELECT id, '{BEGINNING}', {COLUMNS} FROM package",
    f"CREATE TRIGGER package_price_first AFTER INSERT ON package BEGIN\n"
    f"INSERT INTO package_price (package_id, effective_from, {COLUMNS}, created_by) "
    f"VALUES (NEW.id, '{BEGINNING}', {', '.join('NEW.' + c for c in PRICES)}, packdesk_user());\nEND",
    f"CREATE TRIGGER package_price_written AFTER UPDATE OF {COLUMNS} ON package "
    f"WHEN EXISTS (SELECT 1 FROM (SELECT {COLUMNS} FROM package_price WHERE package_id = NEW.id "
    f"ORDER BY effective_from DESC LIMIT 1) v WHERE {_differs('NEW', 'v')}) BEGIN\n"
    f"INSERT INTO package_price (package_id, effective_from, {COLUMNS}, created_by) "
    f"VALUES (NEW.id, date('now'), {', '.join('NEW.' + c for c in PRICES)}, packdesk_user()) "
    f"ON CONFLICT (package_id, effective_from) DO UPDATE SET "
    f"{', '.join(f'{c} = excluded.{c}' for c in PRICES)};\nEND",
    # A new package's first version: its row has these prices and it has no allocations.
    f"CREATE TRIGGER package_price_insert AFTER INSERT ON package_price WHEN NEW.effective_from != '{BEGINNING}' "
    "OR EXISTS (SELECT 1 FROM allocation WHERE package_id = NEW.package_id) "
    "OR EXISTS (SELECT 1 FROM package_price WHERE package_id = NEW.package_id AND id != NEW.id) BEGIN\n"
    f"{_mirror('NEW.package_id')}\n{_marks_back('NEW.package_id', 'NEW.effective_from')}\nEND",
    f"CREATE TRIGGER package_price_update AFTER UPDATE ON package_price BEGIN\n"
    f"{_mirror('NEW.package_id')}\n{_marks_back('NEW.package_id', 'MIN(OLD.effective_from, NEW.effective_from)')}\nEND",
    f"CREATE TRIGGER package_price_delete AFTER DELETE ON package_price BEGIN\n"
    f"{_mirror('OLD.package_id')}\n{_marks_back('OLD.package_id', 'OLD.effective_from')}\nEND",
    "DROP TRIGGER package_marks_back",
    f"CREATE TRIGGER package_marks_back AFTER UPDATE OF {', '.join(TERMS)} ON package "
    f"WHEN {' OR '.join(f'OLD.{c} IS NOT NEW.{c}' for c in TERMS)} BEGIN\n"
    "UPDATE allocation SET charges_from = start_date, true_ups_from = start_date, "
    "marks_seq = marks_seq + 1 WHERE package_id = NEW.id;\nEND",
]


def up(migrator, db):
    for statement in STATEMENTS + AUDIT:
        db.execute_sql(statement)
