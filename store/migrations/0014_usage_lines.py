"""Calls on the ledger: usage lines, and where a run takes each customer's
calls up.

`usage_line` holds one posted line per customer per day of calls (billing
.usage_lines): the day's net cost of calls (free minutes taken off), summed
exactly and rounded once, in micro-units; how many calls, their seconds and
the seconds free minutes covered; `auto_decrement` 1 when the customer's
usage was prepaid when it was posted (the amount came off the balance);
the run that posted it, when and by whom. It is not the `ledger`: a usage
line has no allocation or package, and the ledger's columns say it has both
(a ledger of millions of lines is not rebuilt to loosen them). The UNIQUE
(customer_id, date) key keeps each day posted once. Like the ledger, it is
append-only (triggers refuse UPDATE and DELETE) and each line carries a hash
chained to the line before (store.chain: a third chain, which `check`
walks).

`customer.usage_from` is the first day whose usage line may still be owed
(NULL: none); `usage_seq` counts the times calls moved it back, so a run
that planned before never moves it forward past them. Customers with calls
already start at their first call's day.
"""

WHAT = "posted usage lines"

STATEMENTS = [
    """CREATE TABLE usage_line (
        id INTEGER PRIMARY KEY,
        customer_id INTEGER NOT NULL REFERENCES customer (id) ON DELETE RESTRICT,
        date DATE NOT NULL,
        amount INTEGER NOT NULL CHECK (amount >= 0),
        calls INTEGER NOT NULL CHECK (calls >= 0),
        seconds INTEGER NOT NULL CHECK (seconds >= 0),
        free_seconds INTEGER NOT NULL CHECK (free_seconds >= 0 AND free_seconds <= seconds),
        auto_decrement INTEGER NOT NULL CHECK (auto_decrement IN (0, 1)),
        run_id INTEGER REFERENCES billing_run (id),
        posted_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
        posted_by TEXT NOT NULL DEFAULT '',
        hash TEXT,
        UNIQUE (customer_id, date)
    )""",
    "ALTER TABLE customer ADD COLUMN usage_from DATE",
    "ALTER TABLE customer ADD COLUMN usage_seq INTEGER NOT NULL DEFAULT 0",
    "UPDATE customer SET usage_from = (SELECT date(substr(MIN(c.start), 1, 10)) FROM call c WHERE c.customer_id = customer.id)",
    "CREATE INDEX customer_usage_from ON customer (usage_from)",
] + [
    f"CREATE TRIGGER usage_line_append_only_{action.lower()} BEFORE {action} ON usage_line BEGIN "
    f"SELECT RAISE(ABORT, '{WHAT} are append-only: a mistake is undone by a new line, never by changing or deleting one'); END"
    for action in ("UPDATE", "DELETE")
]


def up(migrator, db):
    for statement in STATEMENTS:
        db.execute_sql(statement)
