"""Audit update triggers fire only when an audited column is written
(`AFTER UPDATE OF ...`): a billing run moving half a million allocations' run
marks no longer runs eight empty audit checks per allocation."""

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
