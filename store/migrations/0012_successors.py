"""An allocation can follow another (a change from a date: an upgrade, a
downgrade, a move to another package). `follows_id` links the successor to the
allocation it follows (one successor each), `chain_start` keeps the chain's
first start: the schedule and the minimum days count from it.

Both are set when the successor is made. The run-mark triggers of migration
0005 cover them as they cover the other terms: a change of either moves the
allocation's marks back to its start. The audit log records the link."""

STATEMENTS = [
    "ALTER TABLE allocation ADD COLUMN follows_id INTEGER REFERENCES allocation (id) ON DELETE RESTRICT",
    "ALTER TABLE allocation ADD COLUMN chain_start DATE",
    "CREATE UNIQUE INDEX allocation_follows ON allocation (follows_id) WHERE follows_id IS NOT NULL",
    "CREATE TRIGGER allocation_marks_chain AFTER UPDATE OF follows_id, chain_start ON allocation "
    "WHEN OLD.follows_id IS NOT NEW.follows_id OR OLD.chain_start IS NOT NEW.chain_start BEGIN\n"
    "UPDATE allocation SET charges_from = NEW.start_date, true_ups_from = NEW.start_date, "
    "marks_seq = marks_seq + 1 WHERE id = NEW.id;\nEND",
    "CREATE TRIGGER audit_allocation_follows AFTER INSERT ON allocation WHEN NEW.follows_id IS NOT NULL BEGIN\n"
    "INSERT INTO audit (by, entity, entity_id, action, field, old, new) "
    "VALUES (packdesk_user(), 'allocation', NEW.id, 'insert', 'follows_id', NULL, NEW.follows_id);\nEND",
    "CREATE TRIGGER audit_allocation_follows_update AFTER UPDATE OF follows_id ON allocation "
    "WHEN OLD.follows_id IS NOT NEW.follows_id BEGIN\n"
    "INSERT INTO audit (by, entity, entity_id, action, field, old, new) "
    "VALUES (packdesk_user(), 'allocation', NEW.id, 'update', 'follows_id', OLD.follows_id, NEW.follows_id);\nEND",
]


def up(migrator, db):
    for statement in STATEMENTS:
        db.execute_sql(statement)
