"""Run marks: where a billing run takes up each allocation (billing.run).

`charges_from`: no setup or recurring charge dated before it is still owed;
`true_ups_from`: no true-up settled before it is still owed; NULL: nothing
more is owed. `marks_seq` counts the times something moved them back.

Triggers keep them safe whatever writes the book (packdesk, a script, the
sqlite3 shell): a new allocation starts at its start; an allocation whose
package, customer, quantity, dates or proration change, and every allocation
of a package whose terms change, go back to their start. Back at the start is
always safe: the next run reads that allocation's history once (the ledger's
unique key posts nothing twice) and moves the marks on. Existing allocations
start there too, so the first run after this migration reads each
allocation's history once; every run after it reads only what is due."""

TERMS = ("retail", "cost", "setup_retail", "setup_cost", "frequency", "frequency_match", "minimum_spend")
ALLOCATION = ("customer_id", "package_id", "quantity", "start_date", "end_date", "prorate")
BACK = "charges_from = NEW.start_date, true_ups_from = NEW.start_date, marks_seq = marks_seq + 1"


def _changed(columns) -> str:
    return " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in columns)


STATEMENTS = [
    "ALTER TABLE allocation ADD COLUMN charges_from DATE",
    "ALTER TABLE allocation ADD COLUMN true_ups_from DATE",
    "ALTER TABLE allocation ADD COLUMN marks_seq INTEGER NOT NULL DEFAULT 0",
    "UPDATE allocation SET charges_from = start_date, true_ups_from = start_date",
    "CREATE INDEX allocation_charges_from ON allocation (charges_from)",
    "CREATE INDEX allocation_true_ups_from ON allocation (true_ups_from)",
    "CREATE TRIGGER allocation_marks_new AFTER INSERT ON allocation WHEN NEW.charges_from IS NULL BEGIN\n"
    "UPDATE allocation SET charges_from = NEW.start_date, true_ups_from = NEW.start_date WHERE id = NEW.id;\nEND",
    f"CREATE TRIGGER allocation_marks_back AFTER UPDATE OF {', '.join(ALLOCATION)} ON allocation "
    f"WHEN {_changed(ALLOCATION)} BEGIN\nUPDATE allocation SET {BACK} WHERE id = NEW.id;\nEND",
    f"CREATE TRIGGER package_marks_back AFTER UPDATE OF {', '.join(TERMS)} ON package "
    f"WHEN {_changed(TERMS)} BEGIN\nUPDATE allocation SET charges_from = start_date, true_ups_from = start_date, "
    "marks_seq = marks_seq + 1 WHERE package_id = NEW.id;\nEND",
]


def up(migrator, db):
    for statement in STATEMENTS:
        db.execute_sql(statement)
