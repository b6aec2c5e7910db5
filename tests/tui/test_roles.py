"""The app on a PostgreSQL book opened by a login role in one of the groups
`packdesk roles` makes (store.roles): a clerk previews a run but ctrl+s posts
nothing and says why; a viewer's app is read-only and says so; a billing
login posts. The app runs at 80x24 (tests/helpers/pilot.py). Each login
role is made for its test and dropped after it (the three group roles are
the server's and stay)."""

from __future__ import annotations

import secrets

import pytest

from store import roles
from store.book import Book
from tui.app import PackdeskApp
from tui.screens.billing_run import BillingRunScreen
from tui.screens.customer_list import CustomerListScreen
from tui.screens.dialogs import ChoiceScreen
from tui.screens.package_list import PackageListScreen

from tests.helpers.pilot import TODAY, messages, opens, press, running, settle, static_text
from tests.helpers.raw import count, query, raw

#: Roles are PostgreSQL's: every test here runs on a PostgreSQL book only.
pytestmark = pytest.mark.parametrize("engine", ["postgresql"], indirect=True)

#: What plan_run gives for run_book (tests/tui/conftest.py) on TODAY.
CHARGES, RETAIL = 5, "98.00"


def _as(url: str, role: str) -> str:
    """`url` logging in as `role` (the test server trusts local roles)."""
    scheme, rest = url.split("://", 1)
    return f"{scheme}://{role}@{rest.split('@', 1)[1]}"


@pytest.fixture
def login(run_book, book_location):
    """login(short), once a test: run_book's groups set up by its owner, a new
    login role in group `short`, and the book opened as that role (the
    owner's connection closed first); the role is dropped after the test."""
    made: list[str] = []
    opened: list[Book] = []

    def log_in(short: str) -> tuple[Book, str]:
        if not made:
            roles.setup()
        name = f"pdt_{short}_{secrets.token_hex(3)}"
        made.append(name)
        assert f"{name} joined {roles.GROUPS[short]}" in roles.grant(name, short)
        run_book.close()
        book = Book.open(_as(book_location, name), create=False)
        opened.append(book)
        return book, name

    try:
        yield log_in
    finally:
        for book in opened:
            book.close()
        con = raw(book_location)
        con.con.autocommit = True
        for name in made:
            con.execute(f'DROP ROLE IF EXISTS "{name}"')
        con.close()


async def open_run(pilot) -> BillingRunScreen:
    await pilot.pause()
    screen = await opens(pilot, BillingRunScreen, "f5")
    await settle(pilot)
    assert static_text(screen, "#run-status").startswith(f"Preview for {TODAY}: {CHARGES} charge(s) to post"), (
        static_text(screen, "#run-status")
    )
    return screen


async def test_a_clerk_previews_the_run_but_ctrl_s_posts_nothing_and_says_why(login, book_location):
    book, name = login("clerk")
    assert book.access.may_write and not book.access.may_post and not book.read_only
    app = PackdeskApp(book, today=TODAY)
    async with running(app) as pilot:
        assert not app.screen.query("#book-marks")  # not read-only: a clerk keeps the customers
        screen = await open_run(pilot)  # the preview works: reading is every group's
        before = len(messages(app))
        await press(pilot, "ctrl+s")
        await settle(pilot)
        assert app.screen is screen, "no question asked: the role may not post"
        said = messages(app)[before:]
        assert len(said) == 1, said
        assert said[0].startswith(f"Nothing was posted: your database role {name} may preview runs but not post them")
        assert f"packdesk roles --grant {name} billing" in said[0]
        assert static_text(screen, "#run-status").startswith(f"Preview for {TODAY}: {CHARGES} charge(s) to post")
    assert count(book_location, "ledger") == 0
    assert count(book_location, "billing_run") == 0


async def test_a_viewers_app_says_read_only_and_n_on_the_customer_list_is_refused(login, book_location):
    book, name = login("viewer")
    assert book.read_only and not book.access.may_write
    customers_before = count(book_location, "customer")
    app = PackdeskApp(book, today=TODAY)
    async with running(app) as pilot:
        assert isinstance(app.screen, PackageListScreen)
        assert "read-only" in static_text(app.screen, "#book-marks")
        screen = await opens(pilot, CustomerListScreen, "f3")
        assert "read-only" in static_text(screen, "#book-marks")
        assert screen.total == 2  # the list reads
        before = len(messages(app))
        await press(pilot, "n")
        assert app.screen is screen, "no form opens"
        said = messages(app)[before:]
        assert len(said) == 1, said
        assert said[0].startswith(f"Nothing can be saved: your database role {name} may read this book but not change it")
    assert count(book_location, "customer") == customers_before


async def test_a_billing_login_commits_the_run_and_the_ledger_names_it(login, book_location):
    book, name = login("billing")
    assert book.access.may_post and not book.read_only
    app = PackdeskApp(book, today=TODAY)
    async with running(app) as pilot:
        screen = await open_run(pilot)
        dialog = await opens(pilot, ChoiceScreen, "ctrl+s")
        assert f"Post {CHARGES} charge(s), retail {RETAIL} USD" in dialog.message
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is screen
        assert any(m.startswith(f"Run 1 posted {CHARGES} charge(s), retail {RETAIL}") for m in messages(app)), messages(app)
    assert query(book_location, "SELECT DISTINCT posted_by FROM ledger") == [(name,)]
    assert count(book_location, "ledger") == CHARGES
