"""Billing runs record the process that made them (pid, host) and how they
ended ('finished', or 'interrupted' once a later run found the process gone
with the run unfinished), so a killed run is shown as such, not as running."""


def up(migrator, db):
    db.execute_sql("ALTER TABLE billing_run ADD COLUMN pid INTEGER")
    db.execute_sql("ALTER TABLE billing_run ADD COLUMN host TEXT NOT NULL DEFAULT ''")
    db.execute_sql("ALTER TABLE billing_run ADD COLUMN ended TEXT")
    db.execute_sql("UPDATE billing_run SET ended = 'finished' WHERE finished_at IS NOT NULL")
