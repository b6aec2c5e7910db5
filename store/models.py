"""peewee models of a book. Only store/ touches them; the rest of packdesk gets
plain values back."""

from __future__ import annotations

from peewee import (
    BooleanField,
    DatabaseProxy,
    DateField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)

from .fields import MoneyField

database = DatabaseProxy()


class BaseModel(Model):
    class Meta:
        database = database
        legacy_table_names = False


class Setting(BaseModel):
    key = TextField(primary_key=True)
    value = TextField()


class UpstreamService(BaseModel):
    name = TextField(unique=True)
    description = TextField(default="")


class Package(BaseModel):
    name = TextField(unique=True)
    retail = MoneyField(default=0)
    cost = MoneyField(default=0)
    setup_retail = MoneyField(default=0)
    setup_cost = MoneyField(default=0)
    frequency = TextField(default="monthly")
    frequency_match = TextField(default="")
    description = TextField(default="")
    upstream_service = ForeignKeyField(UpstreamService, null=True, backref="packages", on_delete="RESTRICT")
    minimum_spend = BooleanField(default=False)
    minimum_days = IntegerField(default=0)
    archived = BooleanField(default=False)
    monthly_retail = MoneyField(default=0)
    version = IntegerField(default=1)
    created_at = TextField()
    updated_at = TextField()


class Customer(BaseModel):
    name = TextField(unique=True)
    status = TextField(default="active")
    tax_percent = MoneyField(default=0)
    balance = MoneyField(default=0)
    notes = TextField(default="")
    version = IntegerField(default=1)
    created_at = TextField()
    updated_at = TextField()


class Allocation(BaseModel):
    customer = ForeignKeyField(Customer, backref="allocations", on_delete="RESTRICT")
    package = ForeignKeyField(Package, backref="allocations", on_delete="RESTRICT")
    quantity = IntegerField(default=1)
    start_date = DateField()
    end_date = DateField(null=True)
    auto_decrement = BooleanField(default=False)
    prorate = BooleanField(default=False)
    reference = TextField(default="")
    version = IntegerField(default=1)
    created_at = TextField()
    updated_at = TextField()


class UsageImport(BaseModel):
    file_name = TextField()
    sha256 = TextField(unique=True)
    rows = IntegerField()
    imported_at = TextField()
    imported_by = TextField(default="")


class Usage(BaseModel):
    customer = ForeignKeyField(Customer, backref="usage", on_delete="RESTRICT")
    date = DateField()
    amount = MoneyField()
    source = TextField(default="")
    import_ref = ForeignKeyField(UsageImport, null=True, column_name="import_id", on_delete="CASCADE")
    version = IntegerField(default=1)
    created_at = TextField()

    class Meta:
        table_name = "usage"


MODELS = [Setting, UpstreamService, Package, Customer, Allocation, UsageImport, Usage]
