"""Exact money columns: integer micro-units (10^-6) behind a Decimal field."""

from __future__ import annotations

from decimal import Decimal

from peewee import BigIntegerField, IntegerField

from billing.money import from_micros, to_micros


class MoneyField(BigIntegerField):
    """Takes and gives `Decimal`; stores whole micro-units; refuses floats.

    SQLite has no decimal type: a REAL column rounds (0.1 is not 0.1) and a
    TEXT column sorts "100" before "9.5". Integers are exact, sort right and
    SUM exactly.
    """

    def db_value(self, value):
        if value is None:
            return None
        if isinstance(value, bool):
            raise TypeError("money can't be a bool")
        if isinstance(value, int):
            value = Decimal(value)
        return to_micros(value)

    def python_value(self, value):
        if value is None:
            return None
        return from_micros(value)


class FlagField(IntegerField):
    """A yes/no column stored as 0 or 1 (the schema's CHECK (x IN (0, 1))), on
    every engine: a bool bound as such is refused by an integer column on
    PostgreSQL, and SQLite stores it as 0/1 anyway."""

    def db_value(self, value):
        return None if value is None else (1 if value else 0)

    def python_value(self, value):
        return None if value is None else bool(value)
