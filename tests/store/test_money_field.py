"""MoneyField: integer micro-units in the column, Decimal out, floats refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
from peewee import fn

from billing.catalogue import PackageDraft
from billing.money import MoneyError, from_micros
from store.fields import MoneyField
from store.models import Package, database
from store.packages import _values, create_package, get_package

pytestmark = pytest.mark.both_engines


def _raw(book, column: str, package_id: int):
    return book.db.execute_sql(f"SELECT {column}, typeof({column}) FROM package WHERE id = ?", (package_id,)).fetchone()


@pytest.mark.sqlite_only("SQLite's typeof() of the stored value")
def test_stores_integer_micro_units(book):
    row = create_package(PackageDraft("Micro", retail=Decimal("0.000125"), cost=Decimal("12.5"), setup_retail=Decimal("3")))
    value, kind = _raw(book, "retail", row.id)
    assert isinstance(value, int) and not isinstance(value, bool)
    assert kind == "integer"
    assert value == 125
    cost, cost_kind = _raw(book, "cost", row.id)
    assert (cost, cost_kind) == (12_500_000, "integer")
    setup, _ = _raw(book, "setup_retail", row.id)
    assert setup == 3_000_000


def test_gives_decimal_back_exactly(book):
    row = create_package(PackageDraft("Exact", retail=Decimal("0.1"), cost=Decimal("999999.999999")))
    again = get_package(row.id)
    assert isinstance(again.retail, Decimal)
    assert isinstance(again.cost, Decimal)
    assert again.retail == Decimal("0.1")
    assert again.cost == Decimal("999999.999999")
    model = Package.get_by_id(row.id)
    assert isinstance(model.retail, Decimal) and model.retail == Decimal("0.1")


def test_python_value_of_raw_int_is_decimal():
    field = MoneyField()
    assert field.python_value(1) == Decimal("0.000001")
    assert isinstance(field.python_value(1_500_000), Decimal)
    assert field.python_value(1_500_000) == Decimal("1.5")
    assert field.python_value(None) is None


def test_db_value_converts_decimal_and_int():
    field = MoneyField()
    assert field.db_value(Decimal("4.50")) == 4_500_000
    assert field.db_value(Decimal("0.000001")) == 1
    assert field.db_value(7) == 7_000_000
    assert field.db_value(None) is None


def test_refuses_float():
    field = MoneyField()
    with pytest.raises(TypeError):
        field.db_value(0.1)
    with pytest.raises(TypeError):
        field.db_value(1.0)


def test_refuses_bool():
    with pytest.raises(TypeError):
        MoneyField().db_value(True)


@pytest.mark.sqlite_only("SQLite's typeof() of the stored value")
def test_refuses_float_through_the_model_and_writes_nothing(book):
    row = create_package(PackageDraft("Floaty", retail=Decimal("1")))
    with pytest.raises(TypeError):
        Package.update({Package.retail: 0.1}).where(Package.id == row.id).execute()
    assert get_package(row.id).retail == Decimal("1")
    assert _raw(book, "retail", row.id)[0] == 1_000_000


def test_refuses_seven_decimal_places():
    with pytest.raises(MoneyError):
        MoneyField().db_value(Decimal("0.0000001"))
    with pytest.raises(ValueError):
        MoneyField().db_value(Decimal("1.1234567"))


def test_refuses_seven_places_through_the_model_and_writes_nothing(book):
    row = create_package(PackageDraft("Seven", retail=Decimal("2")))
    with pytest.raises(MoneyError):
        Package.update({Package.retail: Decimal("0.0000001")}).where(Package.id == row.id).execute()
    assert get_package(row.id).retail == Decimal("2")


@pytest.mark.sqlite_only("SQLite's typeof() of the stored value")
def test_ten_thousand_ten_thousandths_sum_to_exactly_one(book):
    draft = PackageDraft("x", retail=Decimal("0.0001"))
    base = _values(draft)
    rows = []
    for i in range(10_000):
        values = {field.name: value for field, value in base.items()}
        values["name"] = f"tiny {i:05d}"
        values.pop("updated_at")
        rows.append(values)
    with database.atomic():
        for start in range(0, len(rows), 500):
            Package.insert_many(rows[start : start + 500]).execute()
    assert Package.select().count() == 10_000
    raw = Package.select(fn.COALESCE(fn.SUM(Package.retail), 0)).scalar()
    assert isinstance(raw, int) and not isinstance(raw, bool)
    assert raw == 1_000_000
    total = from_micros(raw)
    assert isinstance(total, Decimal)
    assert total == Decimal("1")


def test_sum_via_create_package_is_exact(book):
    for i in range(200):
        create_package(PackageDraft(f"p{i}", retail=Decimal("0.1"), cost=Decimal("0.000001")))
    retail = from_micros(Package.select(fn.COALESCE(fn.SUM(Package.retail), 0)).scalar())
    cost = from_micros(Package.select(fn.COALESCE(fn.SUM(Package.cost), 0)).scalar())
    assert retail == Decimal("20")
    assert cost == Decimal("0.0002")


def test_money_sorts_numerically_not_as_text(book):
    for name, price in (("a", "100"), ("b", "9.5"), ("c", "10")):
        create_package(PackageDraft(name, retail=Decimal(price)))
    names = [name for (name,) in Package.select(Package.name).order_by(Package.retail).tuples()]
    assert names == ["b", "c", "a"]
