"""A dialog whose fields share one error line (the payment dialog): nothing
is said before a field is wrong, and typing a good value in another field
doesn't hide the reason of the one still wrong."""

from __future__ import annotations

import pytest

from decimal import Decimal

from billing.accounts import CustomerDraft
from store.customers import create_customer
from tui.screens.statement import PaymentScreen

from tests.helpers.pilot import focus_and_type, opens, running, static_text

pytestmark = pytest.mark.both_engines


async def test_the_shared_error_line_speaks_for_the_field_still_wrong(demo_book, make_app):
    create_customer(CustomerDraft("Acme Telecom", "active", Decimal(0), ""))
    app = make_app(demo_book)
    async with running(app) as pilot:
        form = await opens(pilot, PaymentScreen, "f3", "enter", "s", "n")
        assert static_text(form, "#pay-error") == ""

        await focus_and_type(pilot, "#pay-amount", "x")
        assert static_text(form, "#pay-error").startswith("amount: ")
        await focus_and_type(pilot, "#pay-date", "t")
        assert static_text(form, "#pay-error").startswith("amount: ")
        await focus_and_type(pilot, "#pay-amount", "5")
        assert static_text(form, "#pay-error") == ""
