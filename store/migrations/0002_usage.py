"""Usage records (what a customer's calls cost them), and the files they came from."""

STATEMENTS = [
    """CREATE TABLE usage_import (
        id INTEGER PRIMARY KEY,
        file_name TEXT NOT NULL,
        sha256 TEXT NOT NULL UNIQUE,
        rows INTEGER NOT NULL,
        imported_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
        imported_by TEXT NOT NULL DEFAULT ''
    )""",
    """CREATE TABLE usage (
        id INTEGER PRIMARY KEY,
        customer_id INTEGER NOT NULL REFERENCES customer (id) ON DELETE RESTRICT,
        date DATE NOT NULL,
        amount INTEGER NOT NULL CHECK (amount >= 0),
        source TEXT NOT NULL DEFAULT '',
        import_id INTEGER REFERENCES usage_import (id) ON DELETE CASCADE,
        version INTEGER NOT NULL DEFAULT 1,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
    )""",
    "CREATE INDEX usage_customer_date ON usage (customer_id, date, amount)",
    "CREATE INDEX usage_date ON usage (date, customer_id, amount)",
    "CREATE INDEX usage_import_rows ON usage (import_id)",
]


def up(migrator, db):
    for statement in STATEMENTS:
        db.execute_sql(statement)
