"""The ledger of posted charges, billing runs, payments and credits, and the
audit log (filled by triggers, so no change escapes it)."""

AUDITED = {
    "package": [
        "name", "retail", "cost", "setup_retail", "setup_cost", "frequency", "frequency_match",
        "description", "upstream_service_id", "minimum_spend", "minimum_days", "archived",
    ],
    "customer": ["name", "status", "tax_percent", "notes"],
    "allocation": [
        "customer_id", "package_id", "quantity", "start_date", "end_date", "auto_decrement", "prorate", "reference",
    ],
    "usage": ["customer_id", "date", "amount", "source"],
    "payment": ["customer_id", "date", "amount", "kind", "description", "reference", "reverses_id"],
}

STATEMENTS = [
    """CREATE TABLE billing_run (
        id INTEGER PRIMARY KEY,
        run_date DATE NOT NULL,
        since DATE,
        customer_id INTEGER REFERENCES customer (id),
        started_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
        finished_at TEXT,
        posted_by TEXT NOT NULL DEFAULT '',
        lines INTEGER NOT NULL DEFAULT 0
    )""",
    """CREATE TABLE ledger (
        id INTEGER PRIMARY KEY,
        allocation_id INTEGER NOT NULL REFERENCES allocation (id) ON DELETE RESTRICT,
        customer_id INTEGER NOT NULL REFERENCES customer (id) ON DELETE RESTRICT,
        package_id INTEGER NOT NULL REFERENCES package (id) ON DELETE RESTRICT,
        kind TEXT NOT NULL CHECK (kind IN ('setup', 'recurring', 'minimum_spend')),
        date DATE NOT NULL,
        period_start DATE NOT NULL,
        period_end DATE NOT NULL,
        quantity INTEGER NOT NULL,
        amount INTEGER NOT NULL CHECK (amount >= 0),
        cost INTEGER NOT NULL CHECK (cost >= 0),
        retail_price INTEGER NOT NULL,
        cost_price INTEGER NOT NULL,
        setup_retail_price INTEGER NOT NULL,
        setup_cost_price INTEGER NOT NULL,
        auto_decrement INTEGER NOT NULL CHECK (auto_decrement IN (0, 1)),
        run_id INTEGER REFERENCES billing_run (id),
        posted_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
        posted_by TEXT NOT NULL DEFAULT '',
        UNIQUE (allocation_id, kind, date)
    )""",
    "CREATE INDEX ledger_customer_date ON ledger (customer_id, date)",
    "CREATE INDEX ledger_run ON ledger (run_id)",
    """CREATE TABLE payment (
        id INTEGER PRIMARY KEY,
        customer_id INTEGER NOT NULL REFERENCES customer (id) ON DELETE RESTRICT,
        date DATE NOT NULL,
        amount INTEGER NOT NULL CHECK (amount > 0),
        kind TEXT NOT NULL CHECK (kind IN ('payment', 'credit', 'reversal')),
        description TEXT NOT NULL DEFAULT '',
        reference TEXT NOT NULL DEFAULT '',
        reverses_id INTEGER UNIQUE REFERENCES payment (id) ON DELETE RESTRICT,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
        created_by TEXT NOT NULL DEFAULT '',
        CHECK ((kind = 'reversal') = (reverses_id IS NOT NULL))
    )""",
    "CREATE INDEX payment_customer_date ON payment (customer_id, date)",
    """CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
        by TEXT NOT NULL,
        entity TEXT NOT NULL,
        entity_id INTEGER NOT NULL,
        action TEXT NOT NULL CHECK (action IN ('insert', 'update', 'delete')),
        field TEXT,
        old TEXT,
        new TEXT
    )""",
    "CREATE INDEX audit_entity ON audit (entity, entity_id)",
    "CREATE INDEX audit_at ON audit (at)",
]


#: Imported usage is audited as the import (one row per file), not per record.
WHEN = {"usage": ("NEW.import_id IS NULL", "OLD.import_id IS NULL")}


def triggers() -> list[str]:
    """One trigger per table and action; an update writes a row per changed field."""
    out = [
        "CREATE TRIGGER audit_usage_import_insert AFTER INSERT ON usage_import BEGIN\n"
        "INSERT INTO audit (by, entity, entity_id, action, field, old, new) VALUES (packdesk_user(), 'usage_import', "
        "NEW.id, 'insert', 'file_name', NULL, NEW.file_name || ' (' || NEW.rows || ' rows)');\nEND",
        "CREATE TRIGGER audit_usage_import_delete AFTER DELETE ON usage_import BEGIN\n"
        "INSERT INTO audit (by, entity, entity_id, action, field, old, new) VALUES (packdesk_user(), 'usage_import', "
        "OLD.id, 'delete', 'file_name', OLD.file_name || ' (' || OLD.rows || ' rows)', NULL);\nEND",
    ]
    for table, columns in AUDITED.items():
        when_new, when_old = WHEN.get(table, (None, None))
        new_clause = f" WHEN {when_new}" if when_new else ""
        old_clause = f" WHEN {when_old}" if when_old else ""
        who = "packdesk_user()"
        inserts = "\n".join(
            f"INSERT INTO audit (by, entity, entity_id, action, field, old, new) "
            f"SELECT {who}, '{table}', NEW.id, 'update', '{c}', OLD.{c}, NEW.{c} WHERE OLD.{c} IS NOT NEW.{c};"
            for c in columns
        )
        out.append(f"CREATE TRIGGER audit_{table}_update AFTER UPDATE ON {table} BEGIN\n{inserts}\nEND")
        created = "\n".join(
            f"INSERT INTO audit (by, entity, entity_id, action, field, old, new) "
            f"SELECT {who}, '{table}', NEW.id, 'insert', '{c}', NULL, NEW.{c} WHERE NEW.{c} IS NOT NULL AND NEW.{c} != '';"
            for c in columns
        )
        out.append(f"CREATE TRIGGER audit_{table}_insert AFTER INSERT ON {table}{new_clause} BEGIN\n{created}\nEND")
        out.append(
            f"CREATE TRIGGER audit_{table}_delete AFTER DELETE ON {table}{old_clause} BEGIN\n"
            f"INSERT INTO audit (by, entity, entity_id, action, field, old, new) "
            f"VALUES ({who}, '{table}', OLD.id, 'delete', NULL, NULL, NULL);\nEND"
        )
    return out


def up(migrator, db):
    db.execute_sql("INSERT OR IGNORE INTO setting (key, value) VALUES ('post_from', '')")
    for statement in STATEMENTS + triggers():
        db.execute_sql(statement)
