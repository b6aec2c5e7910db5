"""A file import writes one audit row per new record (all its fields, as
JSON) instead of one per field: a 100,000-package import then holds the
book's write lock for a second or two, not for most of the 15 s another
operator's save waits. Records made one at a time are still audited field by
field, and updates always are. `packdesk_bulk()` is 1 only inside an import
(store.audit.bulk)."""

from importlib import import_module

# The audited columns are those migration 0003 set up (history: never edited).
AUDITED = {
    table: columns
    for table, columns in import_module("store.migrations.0003_ledger").AUDITED.items()
    if table in ('package', 'customer', 'allocation')
}


def up(migrator, db):
    for table, columns in AUDITED.items():
        db.execute_sql(f"DROP TRIGGER audit_{table}_insert")
        each = "\n".join(
            f"INSERT INTO audit (by, entity, entity_id, action, field, old, new) "
            f"SELECT packdesk_user(), '{table}', NEW.id, 'insert', '{c}', NULL, NEW.{c} WHERE NEW.{c} IS NOT NULL AND NEW.{c} != '';"
            for c in columns
        )
        db.execute_sql(
            f"CREATE TRIGGER audit_{table}_insert AFTER INSERT ON {table} WHEN packdesk_bulk() = 0 BEGIN\n{each}\nEND"
        )
        fields = ", ".join(f"'{c}', NEW.{c}" for c in columns)
        db.execute_sql(
            f"CREATE TRIGGER audit_{table}_import AFTER INSERT ON {table} WHEN packdesk_bulk() = 1 BEGIN\n"
            f"INSERT INTO audit (by, entity, entity_id, action, field, old, new) "
            f"VALUES (packdesk_user(), '{table}', NEW.id, 'insert', NULL, NULL, json_object({fields}));\nEND"
        )
