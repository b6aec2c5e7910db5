"""Walking a keyset-paged list from the store to its end."""

from __future__ import annotations

from typing import Callable


def every_page(fetch: Callable, limit: int, most_pages: int = 10_000) -> list:
    """Every row of a keyset-paged list: fetch(after, limit) page after page,
    `after` the last row of the page before, until a page comes back empty.
    Fails on a page longer than `limit`, at once on a row that comes twice
    (by id), and on paging that never ends."""
    rows: list = []
    ids: set[int] = set()
    after = None
    for _ in range(most_pages):
        page = fetch(after, limit)
        if not page:
            return rows
        assert len(page) <= limit
        for row in page:
            if row.id in ids:
                raise AssertionError(f"row {row.id} ({row.name!r}) came twice, after {len(rows)} rows")
            ids.add(row.id)
            rows.append(row)
        after = page[-1]
    raise AssertionError("paging never ended")
