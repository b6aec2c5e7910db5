"""Help is made from the bindings as they are bound when it opens: a key
remapped through Textual's keymap is documented as remapped, and every key
of the screen is listed."""

from __future__ import annotations

import pytest

from tui.screens.customer_list import CustomerListScreen
from tui.screens.help import HelpScreen
from tui.screens.package_form import PackageFormScreen
from tui.screens.package_list import PackageListScreen

from tests.helpers.pilot import press, running

pytestmark = pytest.mark.both_engines


def keys_of(help_screen: HelpScreen) -> dict[str, str]:
    """what it does -> the keys, as the help lists them."""
    return {words: keys for keys, words in help_screen.keys}


async def test_a_remapped_key_is_documented_as_remapped(demo_app):
    demo_app.set_keymap({"new": "ctrl+n", "filter": "f"})
    async with running(demo_app) as pilot:
        await press(pilot, "question_mark")
        shown = keys_of(demo_app.screen)
        assert shown["new package"] == "^n"
        assert shown["filter by name as you type"] == "f"
        assert ("n", "new package") not in demo_app.screen.keys

        # And the remapped key does what the help says.
        await press(pilot, "escape", "ctrl+n")
        assert isinstance(demo_app.screen, PackageFormScreen)


async def test_every_key_of_the_list_its_table_and_the_app_is_listed(demo_app):
    async with running(demo_app) as pilot:
        await press(pilot, "f3")
        assert isinstance(demo_app.screen, CustomerListScreen)
        await press(pilot, "question_mark")
        shown = keys_of(demo_app.screen)
        assert demo_app.screen.title_text == "Customers"
        assert shown["new customer"] == "n"
        assert shown["edit the customer"] == "e"
        assert shown["the customer's allocations"] == "⏎"  # the table's enter, in this screen's words
        assert shown["this help"] == "?"
        assert shown["quit packdesk"] == "^q"
        assert shown["customers and their allocations"] == "f3"


async def test_the_form_help_lists_save_and_the_day_picker_keys(demo_app):
    async with running(demo_app) as pilot:
        assert isinstance(demo_app.screen, PackageListScreen)
        await press(pilot, "n")
        await press(pilot, "f1")
        shown = keys_of(demo_app.screen)
        assert shown["save the package"] == "^s"
        assert shown["next field"] == "tab"
        assert shown["pick the day, or unpick it"] == "space"
        assert shown["clear the picked days"] == "c"
