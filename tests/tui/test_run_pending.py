"""The app's run preview (f5) lists the true-ups a run doesn't post, each
with the date it is due from: held back by the book's usage grace days, or
estimated (~) for a date after today, which ctrl+s refuses to post."""

from __future__ import annotations

import pytest

from datetime import date

from billing.schedule import Frequency

from tests.helpers.books import allocate, customer, package
from tests.helpers.pilot import SIZE, TODAY, messages, rows_of
from tests.helpers.raw import count

from .test_run_screens import open_run, preview_with, run_status

pytestmark = pytest.mark.both_engines


def commitment(book) -> None:
    """Carol commits to 50.00 a month on the 25th (TODAY, 2026-11-25, settles October's period)."""
    bundle = package("Commit", "50", frequency=Frequency.MONTHLY, match=(25,), minimum_spend=True)
    allocate(customer("Carol"), bundle, date(2026, 10, 25))


async def test_a_true_up_held_back_by_grace_days_says_when_it_is_due(run_book, make_app):
    commitment(run_book)
    run_book.update_settings(usage_grace_days=2)
    app = make_app(run_book)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_run(pilot)
        held = [row for row in rows_of(screen, "#run-lines") if row[1] == "Carol"]
        assert held == [["2026-11-25", "Carol", "Commit", "due from 2026-11-27", "50.00", "0.00"]]
        assert "1 true-up(s) not posted by this run, due from 2026-11-27 on (usage grace days)." in run_status(screen)


async def test_a_preview_after_today_lists_estimates_and_ctrl_s_refuses(run_book, make_app):
    commitment(run_book)
    app = make_app(run_book)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_run(pilot)
        await preview_with(pilot, "date", "2026-12-26")
        rows = [row for row in rows_of(screen, "#run-lines") if row[1] == "Carol" and row[3].startswith("due from")]
        assert rows == [["2026-12-25", "Carol", "Commit", "due from 2026-12-25", "~50.00", "0.00"]]
        assert "(~ = estimate)" in run_status(screen)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        assert any(m.startswith(f"Can't post charges dated after today ({TODAY})") for m in messages(app)), messages(app)
        assert count(run_book, "ledger") == 0
