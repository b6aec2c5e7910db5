"""packdesk billing rules: pure functions of terms, dates and Decimal money.

Imports only the standard library and pendulum; never textual or peewee.
"""

from .charges import (
    KINDS,
    MINIMUM_SPEND,
    RECURRING,
    SETUP,
    AllocationTerms,
    Charge,
    PackageTerms,
    allocation_charges,
)
from .money import MoneyError, format_money, format_price, parse_amount, round_money
from .schedule import WEEKDAYS, Frequency, effective_match, schedule_dates

__all__ = [
    "KINDS",
    "MINIMUM_SPEND",
    "RECURRING",
    "SETUP",
    "WEEKDAYS",
    "AllocationTerms",
    "Charge",
    "Frequency",
    "MoneyError",
    "PackageTerms",
    "allocation_charges",
    "effective_match",
    "format_money",
    "format_price",
    "parse_amount",
    "round_money",
    "schedule_dates",
]
