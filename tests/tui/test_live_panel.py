"""The live panel beside the form: recomputed from billing/ on every keystroke."""

from __future__ import annotations

import pytest

import re
from datetime import date
from decimal import Decimal

from billing.catalogue import FieldError
from billing.charges import PackageTerms
from billing.schedule import Frequency
from tui.screens.package_form import PackageFormScreen
from tui.widgets.panel import render_panel

from tests.helpers.pilot import SIZE, TODAY, focus_and_type, opens, panel_text, press

pytestmark = pytest.mark.both_engines

D = Decimal
CHARGE_LINE = re.compile(r"^ (\w{3} \d{4}-\d{2}-\d{2}) +(\S+)$")


def next_charges(text: str) -> list[tuple[str, Decimal]]:
    """The (date, amount) lines under 'Next charges'."""
    found = []
    for line in text.splitlines():
        match = CHARGE_LINE.match(line)
        if match:
            found.append((match.group(1), D(match.group(2))))
    return found


def figure_line(text: str, label: str) -> list[str]:
    """The figures on the 'Per month' / 'Per year' / 'Margin/mo' line."""
    for line in text.splitlines():
        if line.startswith(label):
            return line[len(label):].split()
    raise AssertionError(f"no '{label}' line in the panel:\n{text}")


async def new_form(pilot) -> PackageFormScreen:
    await pilot.pause()
    await opens(pilot, PackageFormScreen, "n")
    return pilot.app.screen


async def choose_weekly(pilot) -> None:
    """Frequency drop-down: monthly -> weekly is one up."""
    pilot.app.screen.query_one("#frequency").focus()
    await press(pilot, "enter")
    await press(pilot, "up", "enter")
    assert pilot.app.screen.query_one("#frequency").value == "weekly"


async def test_typing_retail_updates_the_next_charges_on_every_keystroke(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        form = await new_form(pilot)
        empty = panel_text(form)
        # A new package: monthly on the start's day, 0.00 a charge.
        assert "monthly on day 25 (start's)" in empty
        assert next_charges(empty)[0] == ("Wed 2026-11-25", D("0.00"))

        form.query_one("#retail").focus()
        await press(pilot, "3")
        three = panel_text(form)
        assert next_charges(three) == [
            ("Wed 2026-11-25", D("3.00")),
            ("Fri 2026-12-25", D("3.00")),
            ("Mon 2027-01-25", D("3.00")),
            ("Thu 2027-02-25", D("3.00")),
            ("Thu 2027-03-25", D("3.00")),
        ]
        assert figure_line(three, "Per month") == ["3.00", "0.00"]

        await press(pilot, "0")
        thirty = panel_text(form)
        assert [amount for _, amount in next_charges(thirty)] == [D("30.00")] * 5
        assert figure_line(thirty, "Per month") == ["30.00", "0.00"]
        assert figure_line(thirty, "Per year") == ["360.00", "0.00"]


async def test_weekly_tuesday_and_friday_from_a_wednesday(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        form = await new_form(pilot)
        await focus_and_type(pilot, "#retail", "30")
        await choose_weekly(pilot)

        # No day picked: the start's weekday, Wednesday 2026-11-25.
        text = panel_text(form)
        assert "every Wed (start's)" in text
        assert next_charges(text)[0] == ("Wed 2026-11-25", D("30.00"))

        form.query_one("#frequency_match").focus()
        await pilot.press("right", "space")  # Tuesday
        await pilot.pause()
        text = panel_text(form)
        assert "every Tue" in text
        assert next_charges(text)[0] == ("Tue 2026-12-01", D("30.00"))

        await pilot.press("right", "right", "right", "space")  # Friday
        await pilot.pause()
        text = panel_text(form)
        assert "every Tue, Fri" in text
        assert [day for day, _ in next_charges(text)] == [
            "Fri 2026-11-27",
            "Tue 2026-12-01",
            "Fri 2026-12-04",
            "Tue 2026-12-08",
            "Fri 2026-12-11",
        ]


async def test_setup_fields_show_the_setup_line(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        form = await new_form(pilot)
        assert "Setup      none" in panel_text(form)

        await focus_and_type(pilot, "#setup_cost", "6")
        assert "Setup      0.00 (cost 6.00)" in panel_text(form)
        await focus_and_type(pilot, "#setup_retail", "1")
        assert "Setup      1.00 (cost 6.00)" in panel_text(form)
        await press(pilot, "5")
        assert "Setup      15.00 (cost 6.00)" in panel_text(form)


async def test_monthly_equivalent_and_margin_percent(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        form = await new_form(pilot)
        await focus_and_type(pilot, "#retail", "30")
        await focus_and_type(pilot, "#cost", "12")
        await choose_weekly(pilot)
        form.query_one("#frequency_match").focus()
        await press(pilot, "right", "space", "right", "right", "right", "space")

        text = panel_text(form)
        # 30 x 2 x 365.25 / 7 / 12 = 260.89; 12 x ... = 104.36
        assert figure_line(text, "Per month") == ["260.89", "104.36"]
        assert figure_line(text, "Per year") == ["3130.71", "1252.29"]
        assert figure_line(text, "Margin/mo") == ["156.53", "60.0%"]
        assert "Amounts in USD." in text


async def test_a_negative_margin_is_shown(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        form = await new_form(pilot)
        await focus_and_type(pilot, "#retail", "10")
        await focus_and_type(pilot, "#cost", "12.5")
        assert figure_line(panel_text(form), "Margin/mo") == ["-2.50", "-25.0%"]


async def test_minimum_spend_says_it_is_a_commitment_and_lists_periods(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        form = await new_form(pilot)
        await focus_and_type(pilot, "#retail", "30")
        assert "commitment" not in panel_text(form)

        form.query_one("#minimum_spend").focus()
        await press(pilot, "space")
        assert form.query_one("#minimum_spend").value is True

        text = panel_text(form)
        assert "Minimum spend: retail 30.00 is a commitment per period" in text
        assert "Periods from today" in text
        assert " 2026-11-25 to 2026-12-24" in text
        assert " 2026-12-25 to 2027-01-24" in text
        assert " 2027-01-25 to 2027-02-24" in text
        # A commitment is settled after each period, not charged up front.
        assert "Next charges" not in text


async def test_invalid_retail_lists_the_error_instead_of_figures(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        form = await new_form(pilot)
        await focus_and_type(pilot, "#retail", "30")
        assert "Per month" in panel_text(form)

        await press(pilot, "x")
        text = panel_text(form)
        assert "Fix the fields in red to see the charges:" in text
        assert "retail: '30x' is not a number" in text
        assert "Per month" not in text
        assert next_charges(text) == []

        await press(pilot, "backspace")
        assert figure_line(panel_text(form), "Per month") == ["30.00", "0.00"]


async def test_a_wrong_name_does_not_hide_the_figures(demo_app):
    """Only billing fields stop the figures: an empty name still shows the charges."""
    async with demo_app.run_test(size=SIZE) as pilot:
        form = await new_form(pilot)
        assert form.query_one("#name").value == ""
        await focus_and_type(pilot, "#retail", "7")
        text = panel_text(form)
        assert "Fix the fields" not in text
        assert next_charges(text)[0] == ("Wed 2026-11-25", D("7.00"))


def test_render_panel_weekly_with_setup():
    terms = PackageTerms(
        retail=D("30"), cost=D("12"), setup_retail=D("15"), setup_cost=D("6"), frequency=Frequency.WEEKLY, match=(1, 4)
    )
    text = str(render_panel(terms, [], TODAY, 2, "GBP"))
    lines = text.splitlines()
    assert lines[0] == "Live: one unit from today"
    assert lines[1] == "every Tue, Fri"
    assert "Setup      15.00 (cost 6.00)" in lines
    assert next_charges(text)[:2] == [("Fri 2026-11-27", D("30.00")), ("Tue 2026-12-01", D("30.00"))]
    assert len(next_charges(text)) == 5
    assert figure_line(text, "Per month") == ["260.89", "104.36"]
    assert figure_line(text, "Margin/mo") == ["156.53", "60.0%"]
    assert lines[-1] == "Amounts in GBP."


def test_render_panel_uses_the_book_precision():
    terms = PackageTerms(retail=D("0.125"), cost=D("0.05"), frequency=Frequency.DAILY)
    text = str(render_panel(terms, [], date(2026, 11, 25), 3))
    assert "every day" in text
    assert next_charges(text)[0] == ("Wed 2026-11-25", D("0.125"))
    # 0.125 x 365.25 / 12 = 3.8047 -> 3.805 at three places
    assert figure_line(text, "Per month") == ["3.805", "1.522"]


def test_render_panel_lists_errors_without_terms():
    errors = [FieldError("retail", "'x' is not a number"), FieldError("cost", "'y' is not a number")]
    text = str(render_panel(None, errors, TODAY))
    assert "Fix the fields in red to see the charges:" in text
    assert " - retail: 'x' is not a number" in text
    assert " - cost: 'y' is not a number" in text
    assert "Per month" not in text


def test_render_panel_setup_only_has_no_recurring_figures():
    terms = PackageTerms(setup_retail=D("15"), setup_cost=D("6"), frequency=Frequency.NONE)
    text = str(render_panel(terms, [], TODAY))
    assert "setup only, no recurring charge" in text
    assert "Setup      15.00 (cost 6.00)" in text
    assert next_charges(text) == []
    assert "Per month" not in text
