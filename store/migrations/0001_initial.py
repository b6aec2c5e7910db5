"""The first schema: book settings, upstream services, packages, customers,
allocations. Plain SQL so it never changes when the models do."""

STATEMENTS = [
    """CREATE TABLE setting (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )""",
    """CREATE TABLE upstream_service (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL COLLATE NOCASE UNIQUE CHECK (length(trim(name)) > 0),
        description TEXT NOT NULL DEFAULT ''
    )""",
    """CREATE TABLE package (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL COLLATE NOCASE CHECK (length(trim(name)) > 0),
        retail INTEGER NOT NULL DEFAULT 0 CHECK (retail >= 0),
        cost INTEGER NOT NULL DEFAULT 0 CHECK (cost >= 0),
        setup_retail INTEGER NOT NULL DEFAULT 0 CHECK (setup_retail >= 0),
        setup_cost INTEGER NOT NULL DEFAULT 0 CHECK (setup_cost >= 0),
        frequency TEXT NOT NULL DEFAULT 'monthly'
            CHECK (frequency IN ('none', 'daily', 'weekly', 'monthly', 'yearly')),
        frequency_match TEXT NOT NULL DEFAULT '',
        description TEXT NOT NULL DEFAULT '',
        upstream_service_id INTEGER REFERENCES upstream_service (id) ON DELETE RESTRICT,
        minimum_spend INTEGER NOT NULL DEFAULT 0 CHECK (minimum_spend IN (0, 1)),
        minimum_days INTEGER NOT NULL DEFAULT 0 CHECK (minimum_days >= 0),
        archived INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
        monthly_retail INTEGER NOT NULL DEFAULT 0,
        version INTEGER NOT NULL DEFAULT 1,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
        updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
    )""",
    "CREATE UNIQUE INDEX package_name ON package (name COLLATE NOCASE)",
    "CREATE INDEX package_retail ON package (retail, id)",
    "CREATE INDEX package_cost ON package (cost, id)",
    "CREATE INDEX package_margin ON package ((retail - cost), id)",
    "CREATE INDEX package_monthly ON package (monthly_retail, id)",
    "CREATE INDEX package_service ON package (upstream_service_id)",
    """CREATE TABLE customer (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL COLLATE NOCASE CHECK (length(trim(name)) > 0),
        status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'closed')),
        tax_percent INTEGER NOT NULL DEFAULT 0 CHECK (tax_percent BETWEEN 0 AND 100000000),
        balance INTEGER NOT NULL DEFAULT 0,
        notes TEXT NOT NULL DEFAULT '',
        version INTEGER NOT NULL DEFAULT 1,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
        updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
    )""",
    "CREATE UNIQUE INDEX customer_name ON customer (name COLLATE NOCASE)",
    """CREATE TABLE allocation (
        id INTEGER PRIMARY KEY,
        customer_id INTEGER NOT NULL REFERENCES customer (id) ON DELETE RESTRICT,
        package_id INTEGER NOT NULL REFERENCES package (id) ON DELETE RESTRICT,
        quantity INTEGER NOT NULL DEFAULT 1 CHECK (quantity >= 1),
        start_date DATE NOT NULL,
        end_date DATE CHECK (end_date IS NULL OR end_date >= start_date),
        auto_decrement INTEGER NOT NULL DEFAULT 0 CHECK (auto_decrement IN (0, 1)),
        prorate INTEGER NOT NULL DEFAULT 0 CHECK (prorate IN (0, 1)),
        reference TEXT NOT NULL DEFAULT '',
        version INTEGER NOT NULL DEFAULT 1,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
        updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
    )""",
    "CREATE INDEX allocation_customer ON allocation (customer_id, id)",
    "CREATE INDEX allocation_package ON allocation (package_id)",
]


def up(migrator, db):
    for statement in STATEMENTS:
        db.execute_sql(statement)
