"""The [keymap] of the configuration files rebinds the app's keys: the footer
and the help show the keys as remapped, and the remapped key does the work.
A keymap entry naming no binding is said when the app starts."""

from __future__ import annotations

import pytest

from tui.app import PackdeskApp
from tui.config import load
from tui.screens.package_form import PackageFormScreen
from tui.screens.package_list import PackageListScreen

from tests.helpers.pilot import TODAY, messages, press, running

pytestmark = pytest.mark.both_engines


def screen_lines(app) -> list[str]:
    """The terminal's lines as the operator sees them."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def app_of(book) -> PackdeskApp:
    """The app as `packdesk` starts it: with the keymap of the configuration files."""
    return PackdeskApp(book, today=TODAY, keymap=load().keymap)


async def test_a_remapped_key_shows_in_the_footer_and_the_help(configs, demo_book):
    configs.write_host('[keymap]\nnew = "ctrl+n"\nsort = "o"\n')
    configs.write_user('[keymap]\nsort = "ctrl+o"\n')  # the user's over the host's
    app = app_of(demo_book)
    async with running(app) as pilot:
        assert isinstance(app.screen, PackageListScreen)
        lines = screen_lines(app)
        assert len(lines) == 24 and all(len(line) == 80 for line in lines)
        footer = lines[-1]
        assert "^n New" in footer and " n New" not in footer
        assert "^o Sort" in footer and "o Sort" not in footer.replace("^o Sort", "")

        await press(pilot, "question_mark")
        help_rows = {words: keys for keys, words in app.screen.keys}
        assert help_rows["new package"] == "^n"
        assert help_rows["sort by the next column"] == "^o"
        shown = "\n".join(screen_lines(app))
        assert "^n" in shown and "new package" in shown

        await press(pilot, "escape", "n")  # n is no longer new: nothing opens
        assert isinstance(app.screen, PackageListScreen)
        await press(pilot, "ctrl+n")
        assert isinstance(app.screen, PackageFormScreen)


async def test_a_keymap_entry_naming_no_binding_is_said_and_the_rest_apply(configs, demo_book):
    configs.write_user('[keymap]\nlist_new = "x"\nnew = "ctrl+n"\n')
    app = app_of(demo_book)
    async with running(app) as pilot:
        await pilot.pause()
        assert messages(app) == [
            f"{configs.user}: keymap.list_new is not a binding id of packdesk, so it is left out "
            "(`packdesk config --keys` lists them)"
        ]
        assert "^n New" in screen_lines(app)[-1]


async def test_without_a_keymap_the_keys_are_the_defaults(configs, demo_book):
    app = app_of(demo_book)
    async with running(app):
        assert " n New" in screen_lines(app)[-1]
        assert messages(app) == []


async def test_the_title_bar_lists_the_places_by_their_remapped_keys(configs, demo_book):
    configs.write_host('[keymap]\ngo_customers = "f7"\nhelp = "f9"\n')
    app = app_of(demo_book)
    async with running(app) as pilot:
        title = screen_lines(app)[0]
        assert "f2 pkgs f7 custs f4 proj" in title and title.rstrip().endswith("f9 help")
        await press(pilot, "f7")
        assert type(app.screen).__name__ == "CustomerListScreen"
        await press(pilot, "n")  # the customer form: its title bar lists f1 help, not remapped
        assert screen_lines(app)[0].rstrip().endswith("^p commands  f1 help")
