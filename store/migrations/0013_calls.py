"""Calls, and the fields of free-minutes packages.

`call` holds one row per call a switch reported (`packdesk import calls`):
its `call_id` (the switch's, unique in the book), the customer, `start` (the
date and time it started in the book's time zone, as text
'YYYY-MM-DDTHH:MM:SS': fixed width, so text order is time order), the
`destination` dialled (digits), its length in `seconds` and its `cost` in
micro-units. `import_id` names the `call_import` record of the file it came
in with. Calls are audited as their import (one audit row per file), as
imported usage is: a file of a million calls writes one audit row, not
millions. (customer_id, start) serves a customer's calls, newest first or in
a time range; (start) a time range of the whole book.

A package gets a `type`: 'recurring' (every package so far) or
'free_minutes', whose `destinations` (number prefixes, kept as `^44|^91|^1`)
and `free_minutes` (minutes per unit per period) say what it gives. An
allocation may have its own `free_minutes` (NULL: the package's). A customer
is `usage_prepaid` (1, as every customer so far) or billed for usage after
the fact (0). The setting `usage_billing` starts 'off'.

The audit triggers of packages, customers and allocations are made again
with the new columns, so their changes are logged as the others' are: field
by field when one record is saved (insert and update), one row per record
when a file is imported (migration 0008)."""

from importlib import import_module

#: The audited columns migration 0003 set up (history: never edited) ...
_BEFORE = import_module("store.migrations.0003_ledger").AUDITED
#: ... and the ones this migration adds.
ADDED = {"package": ["type", "destinations", "free_minutes"], "customer": ["usage_prepaid"], "allocation": ["free_minutes"]}
AUDITED = {table: list(_BEFORE[table]) + columns for table, columns in ADDED.items()}

STATEMENTS = [
    "ALTER TABLE package ADD COLUMN type TEXT NOT NULL DEFAULT 'recurring' CHECK (type IN ('recurring', 'free_minutes'))",
    "ALTER TABLE package ADD COLUMN destinations TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE package ADD COLUMN free_minutes INTEGER NOT NULL DEFAULT 0 CHECK (free_minutes >= 0)",
    "ALTER TABLE allocation ADD COLUMN free_minutes INTEGER CHECK (free_minutes IS NULL OR free_minutes >= 0)",
    "ALTER TABLE customer ADD COLUMN usage_prepaid INTEGER NOT NULL DEFAULT 1 CHECK (usage_prepaid IN (0, 1))",
    "INSERT OR IGNORE INTO setting (key, value) VALUES ('usage_billing', 'off')",
    """CREATE TABLE call_import (
        id INTEGER PRIMARY KEY,
        file_name TEXT NOT NULL,
        rows INTEGER NOT NULL,
        skipped INTEGER NOT NULL DEFAULT 0,
        imported_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
        imported_by TEXT NOT NULL DEFAULT ''
    )""",
    """CREATE TABLE call (
        id INTEGER PRIMARY KEY,
        call_id TEXT NOT NULL UNIQUE CHECK (length(call_id) BETWEEN 1 AND 100),
        customer_id INTEGER NOT NULL REFERENCES customer (id) ON DELETE RESTRICT,
        start TEXT NOT NULL CHECK (length(start) = 19),
        destination TEXT NOT NULL CHECK (length(destination) > 0),
        seconds INTEGER NOT NULL CHECK (seconds >= 0),
        cost INTEGER NOT NULL CHECK (cost >= 0),
        import_id INTEGER REFERENCES call_import (id) ON DELETE CASCADE,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
    )""",
    "CREATE INDEX call_customer_start ON call (customer_id, start)",
    "CREATE INDEX call_start ON call (start)",
    "CREATE TRIGGER audit_call_import_insert AFTER INSERT ON call_import BEGIN\n"
    "INSERT INTO audit (by, entity, entity_id, action, field, old, new) VALUES (packdesk_user(), 'call_import', "
    "NEW.id, 'insert', 'file_name', NULL, NEW.file_name || ' (' || NEW.rows || ' calls)');\nEND",
    "CREATE TRIGGER audit_call_import_delete AFTER DELETE ON call_import BEGIN\n"
    "INSERT INTO audit (by, entity, entity_id, action, field, old, new) VALUES (packdesk_user(), 'call_import', "
    "OLD.id, 'delete', 'file_name', OLD.file_name || ' (' || OLD.rows || ' calls)', NULL);\nEND",
]


def _audit_triggers(table: str, columns: list[str]) -> list[str]:
    """The update trigger (migration 0009's form) and the two insert
    triggers (migration 0008's) of `table`, over `columns`."""
    changed = "\n".join(
        f"INSERT INTO audit (by, entity, entity_id, action, field, old, new) "
        f"SELECT packdesk_user(), '{table}', NEW.id, 'update', '{c}', OLD.{c}, NEW.{c} WHERE OLD.{c} IS NOT NEW.{c};"
        for c in columns
    )
    each = "\n".join(
        f"INSERT INTO audit (by, entity, entity_id, action, field, old, new) "
        f"SELECT packdesk_user(), '{table}', NEW.id, 'insert', '{c}', NULL, NEW.{c} WHERE NEW.{c} IS NOT NULL AND NEW.{c} != '';"
        for c in columns
    )
    fields = ", ".join(f"'{c}', NEW.{c}" for c in columns)
    return [
        f"DROP TRIGGER audit_{table}_update",
        f"CREATE TRIGGER audit_{table}_update AFTER UPDATE OF {', '.join(columns)} ON {table} BEGIN\n{changed}\nEND",
        f"DROP TRIGGER audit_{table}_insert",
        f"CREATE TRIGGER audit_{table}_insert AFTER INSERT ON {table} WHEN packdesk_bulk() = 0 BEGIN\n{each}\nEND",
        f"DROP TRIGGER audit_{table}_import",
        f"CREATE TRIGGER audit_{table}_import AFTER INSERT ON {table} WHEN packdesk_bulk() = 1 BEGIN\n"
        f"INSERT INTO audit (by, entity, entity_id, action, field, old, new) "
        f"VALUES (packdesk_user(), '{table}', NEW.id, 'insert', NULL, NULL, json_object({fields}));\nEND",
    ]


def up(migrator, db):
    for statement in STATEMENTS:
        db.execute_sql(statement)
    for table, columns in AUDITED.items():
        for statement in _audit_triggers(table, columns):
            db.execute_sql(statement)
