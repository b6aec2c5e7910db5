"""The ledger's run_id index goes: nothing looks lines up by run any more
(a run knows what it posted as it posts it), and every posted line paid for
keeping it."""


def up(migrator, db):
    db.execute_sql("DROP INDEX ledger_run")
