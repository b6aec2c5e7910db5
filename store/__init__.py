"""The book's storage: the only door to the database (see README, "How the
code is laid out")."""

import sys

if "peewee" not in sys.modules and "psycopg" not in sys.modules:
    # peewee looks for the PostgreSQL driver the moment it is imported, which
    # costs every command and the app's first frame about 0.1 s; only a
    # PostgreSQL book needs it, and store.pg_book wires it in then.
    sys.modules["psycopg"] = None  # type: ignore[assignment]
    try:
        import peewee  # noqa: F401
    finally:
        del sys.modules["psycopg"]
