"""stress.py on a PostgreSQL book: the database it fills must be empty, and is
emptied again after."""

from __future__ import annotations


def empty_database(url: str) -> str | None:
    """Why the PostgreSQL database at `url` can't be used (it must be empty), or None."""
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=10) as con:
            tables = con.execute("SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema()").fetchone()[0]
    except Exception as exc:  # any reason: said in one line
        return f"can't use {url}: {' '.join(str(exc).split())}"
    return f"{url} is not empty ({tables} tables): stress fills an empty database" if tables else None


def empty_again(url: str) -> None:
    """Drop what the stress made in the database at `url` (it was empty before)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as con:
        schema = con.execute("SELECT current_schema()").fetchone()[0]
        con.execute(f'DROP SCHEMA "{schema}" CASCADE')
        con.execute(f'CREATE SCHEMA "{schema}"')
