"""Quitting, help, the command palette, upstream services, NO_COLOR."""

from __future__ import annotations

import pytest

from decimal import Decimal

from textual.command import CommandPalette
from textual.widgets import OptionList

from store import packages as package_store
from store import services as service_store
from tui.screens.help import HelpScreen
from tui.screens.package_form import PackageFormScreen
from tui.screens.package_list import PackageListScreen
from tui.screens.services import PromptScreen, ServicesScreen

from tests.helpers.pilot import names, opens, press, row_count, running, static_text

pytestmark = pytest.mark.both_engines


async def test_ctrl_q_exits(demo_app):
    async with running(demo_app) as pilot:
        assert demo_app.is_running
        await press(pilot, "ctrl+q")
        assert not demo_app.is_running
    assert demo_app.return_code == 0


async def test_ctrl_q_exits_from_the_form_too(demo_app):
    async with running(demo_app) as pilot:
        await press(pilot, "n")
        assert isinstance(demo_app.screen, PackageFormScreen)
        await press(pilot, "ctrl+q")
        assert not demo_app.is_running


async def test_question_mark_opens_help_and_escape_closes_it(demo_app):
    async with running(demo_app) as pilot:
        await press(pilot, "question_mark")
        help_screen = demo_app.screen
        assert isinstance(help_screen, HelpScreen)
        assert help_screen.title_text == "Packages"
        assert ("n", "new package") in help_screen.keys

        await press(pilot, "escape")
        assert isinstance(demo_app.screen, PackageListScreen)
        # escape closed the help only; the list is as it was.
        assert row_count(demo_app.screen) == 9


async def test_f1_opens_the_form_help(demo_app):
    async with running(demo_app) as pilot:
        await press(pilot, "n")
        form = demo_app.screen
        await press(pilot, "f1")
        assert isinstance(demo_app.screen, HelpScreen)
        assert demo_app.screen.title_text == "Package form"
        await press(pilot, "escape")
        assert demo_app.screen is form


def palette_prompts(app) -> list[str]:
    options = app.screen.query_one(OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


async def run_command(pilot, command: str) -> None:
    """ctrl+p, `command` typed, a moment for the palette to match it, enter."""
    await press(pilot, "ctrl+p")
    await pilot.press(*command)
    await pilot.pause(0.5)
    await press(pilot, "enter")


async def test_command_palette_lists_packdesk_commands(demo_app):
    async with running(demo_app) as pilot:
        await press(pilot, "ctrl+p")
        assert isinstance(demo_app.screen, CommandPalette)
        prompts = palette_prompts(demo_app)
        for command in ("New package", "Filter packages", "Upstream services", "Load demo data", "Help for this screen"):
            assert any(p.startswith(command) for p in prompts), (command, prompts)


async def test_command_palette_new_package_opens_the_form(demo_app):
    async with running(demo_app) as pilot:
        await run_command(pilot, "New package")
        assert isinstance(demo_app.screen, PackageFormScreen)
        assert static_text(demo_app.screen, "#title") == "New package"


async def test_command_palette_help_opens_help(demo_app):
    async with running(demo_app) as pilot:
        await run_command(pilot, "Help for this screen")
        assert isinstance(demo_app.screen, HelpScreen)
        assert demo_app.screen.title_text == "Packages"


async def test_upstream_service_added_in_the_prompt_is_offered_in_the_form(demo_app):
    app = demo_app
    async with running(app) as pilot:
        await opens(pilot, ServicesScreen, "u")
        assert names(app.screen) == ["DID-UK", "DID-US", "Fax2Email", "Hosted PBX", "SIP Trunk"]

        await opens(pilot, PromptScreen, "n")
        await press(pilot, *"Voicemail", "tab", *"Voicemail boxes", "ctrl+s")

        assert isinstance(app.screen, ServicesScreen)
        assert "Voicemail" in names(app.screen)
        assert app.screen.current().name == "Voicemail"
        assert "Voicemail" in service_store.service_names()

        await opens(pilot, PackageListScreen, "escape")

        form = await opens(pilot, PackageFormScreen, "n")
        await pilot.press(*"Voicemail box", "tab", *"4")
        upstream = form.query_one("#upstream_service")
        upstream.focus()
        await press(pilot, "enter")
        offered = [str(upstream.query_one(OptionList).get_option_at_index(i).prompt)
                   for i in range(upstream.query_one(OptionList).option_count)]
        assert offered == ["(none)", "DID-UK", "DID-US", "Fax2Email", "Hosted PBX", "SIP Trunk", "Voicemail"]
        await press(pilot, "end", "enter")
        assert upstream.value == "Voicemail"

        await press(pilot, "ctrl+s")
        saved = package_store.find_package("Voicemail box")
        assert saved.upstream_service == "Voicemail"
        assert saved.retail == Decimal("4")


async def test_an_empty_service_name_is_refused_in_the_prompt(demo_app):
    app = demo_app
    async with running(app) as pilot:
        await press(pilot, "u")
        await press(pilot, "n")
        await opens(pilot, PromptScreen, "ctrl+s")
        error = app.screen.query_one("#prompt-error")
        assert error.has_class("shown")
        assert "required" in str(error.content)
        assert len(service_store.service_names()) == 5


async def test_no_color_is_honoured(book, make_app, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(book)
    async with running(app) as pilot:
        assert app.is_running
        assert app.no_color is True
        # It started normally: the empty book's demo offer is up.
        await press(pilot, "y")
        assert row_count(app.screen) == 9


async def test_without_no_color_colours_are_on(book, make_app, monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    app = make_app(book)
    async with running(app):
        assert app.no_color is False


async def test_a_checkbox_reads_ticked_or_not_without_colour(demo_app):
    # The form's "minimum spend" box shows an X only when ticked: an operator
    # on a monochrome terminal can tell the two apart.
    from tui.widgets.tick import Tick

    async with running(demo_app) as pilot:
        await press(pilot, "n")
        box = demo_app.screen.query_one("#minimum_spend", Tick)
        assert box.value is False
        assert "X" not in box.render().plain
        box.focus()
        await press(pilot, "space")
        assert box.value is True
        assert "X" in box.render().plain
