"""peewee models of a book. Only store/ touches them; the rest of packdesk gets
plain values back."""

from __future__ import annotations

from peewee import (
    DatabaseProxy,
    DateField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)

from .fields import FlagField, MoneyField

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
    minimum_spend = FlagField(default=False)
    minimum_days = IntegerField(default=0)
    archived = FlagField(default=False)
    monthly_retail = MoneyField(default=0)
    version = IntegerField(default=1)
    created_at = TextField()
    updated_at = TextField()
    # Free-minutes packages (migration 0013): 'recurring' or 'free_minutes',
    # the prefixes it covers (`^44|^91`) and its minutes per unit per period.
    type = TextField(default="recurring")
    destinations = TextField(default="")
    free_minutes = IntegerField(default=0)


class PackagePrice(BaseModel):
    """A package's prices from `effective_from` (migration 0011)."""

    package = ForeignKeyField(Package, backref="prices", on_delete="CASCADE")
    effective_from = DateField()
    retail = MoneyField(default=0)
    cost = MoneyField(default=0)
    setup_retail = MoneyField(default=0)
    setup_cost = MoneyField(default=0)
    created_at = TextField()
    created_by = TextField(default="")


class Customer(BaseModel):
    name = TextField(unique=True)
    status = TextField(default="active")
    tax_percent = MoneyField(default=0)
    balance = MoneyField(default=0)
    notes = TextField(default="")
    version = IntegerField(default=1)
    created_at = TextField()
    updated_at = TextField()
    usage_prepaid = FlagField(default=True)


class Allocation(BaseModel):
    customer = ForeignKeyField(Customer, backref="allocations", on_delete="RESTRICT")
    package = ForeignKeyField(Package, backref="allocations", on_delete="RESTRICT")
    quantity = IntegerField(default=1)
    start_date = DateField()
    end_date = DateField(null=True)
    auto_decrement = FlagField(default=False)
    prorate = FlagField(default=False)
    reference = TextField(default="")
    version = IntegerField(default=1)
    created_at = TextField()
    updated_at = TextField()
    # Run marks (billing.run): where the next billing run takes it up.
    charges_from = DateField(null=True)
    true_ups_from = DateField(null=True)
    marks_seq = IntegerField(default=0)
    # A change from a date: the allocation this one follows, the chain's first start.
    follows = ForeignKeyField("self", null=True, column_name="follows_id", on_delete="RESTRICT")
    chain_start = DateField(null=True)
    #: Its own free minutes per unit per period (NULL: the package's).
    free_minutes = IntegerField(null=True)


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


class CallImport(BaseModel):
    file_name = TextField()
    rows = IntegerField()
    skipped = IntegerField(default=0)
    imported_at = TextField()
    imported_by = TextField(default="")


class Call(BaseModel):
    """One call a switch reported (migration 0013): `start` is text in the
    book's time zone, 'YYYY-MM-DDTHH:MM:SS'."""

    call_id = TextField(unique=True)
    customer = ForeignKeyField(Customer, backref="calls", on_delete="RESTRICT")
    start = TextField()
    destination = TextField()
    seconds = IntegerField()
    cost = MoneyField()
    import_ref = ForeignKeyField(CallImport, null=True, column_name="import_id", on_delete="CASCADE")
    created_at = TextField()

    class Meta:
        table_name = "call"


class BillingRun(BaseModel):
    run_date = DateField()
    since = DateField(null=True)
    customer = ForeignKeyField(Customer, null=True, on_delete="RESTRICT")
    started_at = TextField()
    finished_at = TextField(null=True)
    posted_by = TextField(default="")
    lines = IntegerField(default=0)


class Ledger(BaseModel):
    """A posted line: never updated, never deleted."""

    allocation = ForeignKeyField(Allocation, on_delete="RESTRICT")
    customer = ForeignKeyField(Customer, on_delete="RESTRICT")
    package = ForeignKeyField(Package, on_delete="RESTRICT")
    kind = TextField()
    date = DateField()
    period_start = DateField()
    period_end = DateField()
    quantity = IntegerField()
    amount = MoneyField()
    cost = MoneyField()
    retail_price = MoneyField()
    cost_price = MoneyField()
    setup_retail_price = MoneyField()
    setup_cost_price = MoneyField()
    auto_decrement = FlagField()
    run = ForeignKeyField(BillingRun, null=True)
    posted_at = TextField()
    posted_by = TextField(default="")

    class Meta:
        table_name = "ledger"


class Payment(BaseModel):
    """A payment, credit or reversal: never updated, never deleted."""

    customer = ForeignKeyField(Customer, on_delete="RESTRICT")
    date = DateField()
    amount = MoneyField()
    kind = TextField()
    description = TextField(default="")
    reference = TextField(default="")
    reverses = ForeignKeyField("self", null=True, column_name="reverses_id", on_delete="RESTRICT")
    created_at = TextField()
    created_by = TextField(default="")


class Audit(BaseModel):
    """One change, written by the book's triggers."""

    at = TextField()
    by = TextField()
    entity = TextField()
    entity_id = IntegerField()
    action = TextField()
    field = TextField(null=True)
    old = TextField(null=True)
    new = TextField(null=True)


MODELS = [
    Setting, UpstreamService, Package, PackagePrice, Customer, Allocation, UsageImport, Usage, CallImport, Call, BillingRun, Ledger,
    Payment, Audit,
]
