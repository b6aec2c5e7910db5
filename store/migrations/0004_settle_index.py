"""Allocations by (package, start, end): the allocations of minimum-spend
packages that can settle a period on a day are picked out from the index
alone, without reading the table (see store.allocations._settling_on). It
serves every lookup the (package) index served, so it takes its place."""


def up(migrator, db):
    db.execute_sql("CREATE INDEX allocation_package_dates ON allocation (package_id, start_date, end_date)")
    db.execute_sql("DROP INDEX allocation_package")
