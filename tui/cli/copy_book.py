"""`packdesk copy-book --to URL`: the SQLite book of --db copied into an
empty PostgreSQL database (store.copy_book), then proved and the proof
printed: every table's rows counted on both, the hash chains' heads the same,
`check` passing on the copy, and `charges` for the next 12 months worked out
from both books and compared line by line. Any difference is printed and the
command exits 1."""

from __future__ import annotations

import contextlib
import io
import tempfile
from argparse import Namespace
from dataclasses import dataclass
from datetime import date, timedelta

from billing.dates import DateError
from billing.projection import add_months
from store import chain
from store.book import Book
from store.copy_book import copy_book, table_counts
from store.dialect import is_url
from store.errors import DATABASE_ERRORS, BookError, explain
from store.pg_book import shown

from .book import cmd_check
from .charges import cmd_charges
from .common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, book_path, err, given_today, open_book

#: Characters of a differing charge line shown.
SHOWN = 160


class _Counted(io.TextIOBase):
    """The book's `charges` output, kept in a temporary file, its lines counted."""

    def __init__(self):
        self.file = tempfile.TemporaryFile("w+", encoding="utf-8", newline="")
        self.lines = 0

    def write(self, text: str) -> int:
        self.lines += text.count("\n")
        return self.file.write(text)


class _Compared(io.TextIOBase):
    """The copy's `charges` output, compared as it comes with the book's
    (`expected`, read alongside): its lines counted, the first that differs
    kept as (line number, the book's line, the copy's line)."""

    def __init__(self, expected):
        self.expected = expected
        self.expected.seek(0)
        self.lines = 0
        self.partial = ""  # the line being written, up to the last chunk's end
        self.first: tuple[int, str, str] | None = None

    def write(self, text: str) -> int:
        before = self.lines
        self.lines += text.count("\n")
        if self.first is None:
            theirs = self.expected.read(len(text))
            if theirs == text:
                self.partial = (self.partial + text).rsplit("\n", 1)[-1] if "\n" in text else self.partial + text
            else:
                at = next((i for i, (a, b) in enumerate(zip(text, theirs)) if a != b), min(len(text), len(theirs)))
                start = text.rfind("\n", 0, at) + 1
                prefix = self.partial if start == 0 else ""
                mine = prefix + text[start:].split("\n", 1)[0]
                book = theirs[start:]
                book = prefix + (book.split("\n", 1)[0] if "\n" in book else book + self.expected.readline().rstrip("\n"))
                self.first = (before + text[:at].count("\n") + 1, book, mine)
        return len(text)

    def finish(self) -> None:
        """After the last line: a copy that wrote less than the book differs too."""
        if self.first is None:
            rest = self.expected.readline()
            if rest:
                self.first = (self.lines + 1, rest.rstrip("\n"), "(no line: the copy's output ends here)")


@dataclass
class _Look:
    """What a book shows of itself, to compare."""

    counts: dict[str, int]
    heads: dict[str, str]
    #: `check`'s exit code and what it found wrong (None: not run).
    check: tuple[int, list[str]] | None
    #: `charges`' exit code and what it said on failing.
    charges: tuple[int, str]


def _captured(command, args, book, out) -> tuple[int, str]:
    """A command run on `book`, its standard output to `out`; (exit code, its errors)."""
    said = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(said):
        code = command(args, book)
    return code, said.getvalue()


def _look(book: Book, as_of: date, until: date, charges_out, check_head: str | None = None) -> _Look:
    """The open book's row counts and chain heads; `check` (only with
    `check_head`: proving the ledger extends it); `charges` for [as_of, until]
    written to `charges_out`."""
    counts = table_counts()
    heads = {table: chain.head(table) for table in chain.TABLES}
    check = None
    if check_head is not None:
        args = Namespace(head=check_head, marks=False, rebuild_marks=False, today=as_of)
        code, said = _captured(cmd_check, args, book, io.StringIO())
        check = (code, [line.removeprefix("packdesk: ") for line in said.splitlines() if line.strip()])
    args = Namespace(date_from=as_of, date_to=until, customer=None, format="csv", today=as_of)
    charges = _captured(cmd_charges, args, book, charges_out)
    return _Look(counts, heads, check, charges)


def cmd_copy_book(args, config) -> int:
    target = args.to
    if not is_url(target):
        err(f"--to {target}: copy-book copies into a PostgreSQL database; give its URL, postgresql://user@host:port/dbname")
        return EXIT_USAGE
    path, _source = book_path(config)
    if is_url(path):
        err(f"--db {shown(str(path))} is a PostgreSQL book: copy-book copies an SQLite book (--db PATH) into PostgreSQL")
        return EXIT_USAGE
    try:
        given = given_today(args)
    except DateError as exc:
        err(f"PACKDESK_TODAY: {exc}")
        return EXIT_USAGE
    book = open_book(args, config)
    if book is None:
        return EXIT_FAILED
    where = shown(target)
    source_out = _Counted()
    try:
        try:
            copied = copy_book(book, target)
        except BookError as exc:
            err(str(exc))
            return EXIT_FAILED
        as_of = given or book.today()
        until = add_months(as_of, 12) - timedelta(days=1)
        print(f"Copied {book.path} into {where}: {len(copied.tables)} tables, {copied.rows:,} rows, in {copied.seconds:.1f} s.")
        try:
            before = _look(book, as_of, until, source_out)
        except DATABASE_ERRORS as exc:
            err(f"the copy is made, but the book could not be read to prove it: {explain(exc)}")
            return EXIT_FAILED
        finally:
            book.close()
        return _prove(target, where, before, as_of, until, source_out)
    finally:
        book.close()
        source_out.file.close()


def _prove(target: str, where: str, before: _Look, as_of: date, until: date, source_out: _Counted) -> int:
    """Open the copy, look at it as at the book, print the proof; its exit code."""
    compared = _Compared(source_out.file)
    try:
        copy = Book.open(target, create=False)
    except BookError as exc:
        err(f"the copy is made, but could not be opened to prove it: {exc}")
        return EXIT_FAILED
    try:
        after = _look(copy, as_of, until, compared, check_head=before.heads["ledger"])
        compared.finish()
    except DATABASE_ERRORS as exc:
        err(f"the copy is made, but could not be read to prove it: {explain(exc)}")
        return EXIT_FAILED
    finally:
        copy.close()
    differences = _report(before, after, as_of, until, source_out, compared)
    if differences:
        err(f"the copy in {where} differs from the book ({', '.join(differences)}; see above): "
            "drop that database, make it again empty, and copy again")
        return EXIT_FAILED
    print(f"The copy is the book: open it with --db {where}")
    return EXIT_OK


def _rows(count: int | None) -> str:
    return "no such table" if count is None else f"{count:,} row" + ("" if count == 1 else "s")


def _report(before: _Look, after: _Look, as_of: date, until: date, source_out: _Counted, compared: _Compared) -> list[str]:
    """Print the proof, table by table; what differs, in a few words each."""
    differences = []
    names = list(before.counts) + [t for t in after.counts if t not in before.counts]
    width = max(map(len, names), default=5)
    for name in names:
        mine, theirs = before.counts.get(name), after.counts.get(name)
        if mine == theirs:
            print(f"  {name:<{width}} {_rows(mine):>14}  same")
        else:
            print(f"  {name:<{width}} {_rows(mine):>14} in the book, {_rows(theirs)} in the copy  DIFFERENT")
            differences.append(f"{name} rows")
    for table, what in (("ledger", "ledger"), ("payment", "payments")):
        ours, copied = before.heads[table], after.heads[table]
        if ours == copied:
            print(f"{what} chain head: {ours[:16]}…, the same on both")
        else:
            print(f"{what} chain head: {ours[:16]}… in the book, {copied[:16]}… in the copy  DIFFERENT")
            differences.append(f"{what} chain head")
    code, problems = after.check or (1, ["not run"])
    if code == 0:
        print("check: ok")
    else:
        print("check: FAILS on the copy (`packdesk check` says whether the book itself passes)")
        for problem in problems:
            print(f"  {problem}")
        differences.append("check fails")
    span = f"charges, next 12 months ({as_of} to {until})"
    failed = [(what, said) for what, (code, said) in (("the book", before.charges), ("the copy", after.charges)) if code]
    if failed:
        for what, said in failed:
            print(f"{span}: could not be worked out on {what}: {' '.join(said.split()) or 'no reason given'}")
        differences.append("charges")
    elif compared.first is None and compared.lines == source_out.lines:
        print(f"{span}: {max(0, compared.lines - 1):,} lines, identical")
    else:
        line, book_line, copy_line = compared.first or (compared.lines, "", "")
        print(f"{span}: {max(0, source_out.lines - 1):,} lines from the book, {max(0, compared.lines - 1):,} from the copy; "
              f"the first difference is line {line:,}:")
        print(f"  book: {book_line[:SHOWN]}")
        print(f"  copy: {copy_line[:SHOWN]}")
        differences.append("charges")
    return differences
