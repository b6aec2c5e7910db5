"""Audit update triggers fire only when an audited column is written
(`AFTER UPDATE OF ...`): a billing run moving half a million allocations' run
marks no longer runs eight empty audit checks per allocation."""

from importlib import import_module

# The audited columns are those migration 0003 set up (history: never edited).
AUDITED = {
    table: columns
    for table, columns in import_module("store.migrations.0003_ledger").AUDITED.items()
    if table in ('package', 'customer', 'allocation', 'usage')
}


def up(migrator, db):
    for table, columns in AUDITED.items():
        db.execute_sql(f"DROP TRIGGER audit_{table}_update")
        inserts = "\n".join(
            f"INSERT INTO audit (by, entity, entity_id, action, field, old, new) "
            f"SELECT packdesk_user(), '{table}', NEW.id, 'update', '{c}', OLD.{c}, NEW.{c} WHERE OLD.{c} IS NOT NEW.{c};"
            for c in columns
        )
        db.execute_sql(
            f"CREATE TRIGGER audit_{table}_update AFTER UPDATE OF {', '.join(columns)} ON {table} BEGIN\n{inserts}\nEND"
        )
