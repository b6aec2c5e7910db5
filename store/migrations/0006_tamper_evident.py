"""Posted lines and payments become append-only and tamper-evident: a hash
column chained line to line (store.chain), filled in for the lines a book
already has, then triggers that refuse UPDATE and DELETE on both tables.

The hashing is written out here, not imported, so this migration does the
same thing whatever later versions of store.chain say."""

import hashlib

GENESIS = "packdesk"
COLUMNS = {
    "ledger": (
        "allocation_id", "customer_id", "package_id", "kind", "date", "period_start", "period_end", "quantity",
        "amount", "cost", "retail_price", "cost_price", "setup_retail_price", "setup_cost_price", "auto_decrement",
        "run_id", "posted_at", "posted_by",
    ),
    "payment": (
        "customer_id", "date", "amount", "kind", "description", "reference", "reverses_id", "created_at", "created_by",
    ),
}
WHAT = {"ledger": "posted lines", "payment": "payments and credits"}


def _link(previous, values):
    content = "\x1f".join("" if v is None else str(v) for v in values)
    return hashlib.sha256(f"{previous}\x1e{content}".encode()).hexdigest()


def up(migrator, db):
    for table, columns in COLUMNS.items():
        db.execute_sql(f"ALTER TABLE {table} ADD COLUMN hash TEXT")
        previous, after = GENESIS, 0
        while True:
            rows = db.execute_sql(
                f"SELECT id, {', '.join(columns)} FROM {table} WHERE id > ? ORDER BY id LIMIT 50000", (after,)
            ).fetchall()
            if not rows:
                break
            updates = []
            for row in rows:
                previous = _link(previous, row[1:])
                updates.append((previous, row[0]))
            db.cursor().executemany(f"UPDATE {table} SET hash = ? WHERE id = ?", updates)
            after = rows[-1][0]
        for action in ("UPDATE", "DELETE"):
            db.execute_sql(
                f"CREATE TRIGGER {table}_append_only_{action.lower()} BEFORE {action} ON {table} BEGIN "
                f"SELECT RAISE(ABORT, '{WHAT[table]} are append-only: a mistake is undone by a new line, "
                "never by changing or deleting one'); END"
            )
