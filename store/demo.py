"""A handful of realistic telecom packages, so a new book shows a working screen."""

from __future__ import annotations

from decimal import Decimal

from billing.catalogue import PackageDraft
from billing.schedule import Frequency

from .models import Package, UpstreamService, database
from .packages import _values

SERVICES = [
    ("DID-UK", "UK geographic numbers from the carrier"),
    ("DID-US", "US local numbers from the carrier"),
    ("Hosted PBX", "Cloud PBX platform seats"),
    ("SIP Trunk", "Wholesale SIP trunking channels"),
    ("Fax2Email", "Fax to e-mail gateway"),
]

D = Decimal
PACKAGES = [
    PackageDraft("UK DID rental", D("1.50"), D("0.45"), D("5"), D("1"), Frequency.MONTHLY, (1,),
                 "UK geographic number, billed on the 1st", "DID-UK", False, 30),
    PackageDraft("US DID rental", D("1.00"), D("0.25"), D("0"), D("0"), Frequency.MONTHLY, (),
                 "US local number, billed on the allocation day", "DID-US", False, 0),
    PackageDraft("Hosted PBX seat", D("12.00"), D("4.20"), D("25"), D("8"), Frequency.MONTHLY, (1,),
                 "One extension on the hosted PBX", "Hosted PBX", False, 90),
    PackageDraft("SIP trunk 10 channels", D("45.00"), D("28.00"), D("50"), D("0"), Frequency.MONTHLY, (15, 31),
                 "Ten concurrent channels, billed twice a month", "SIP Trunk", False, 180),
    PackageDraft("Call bundle 500", D("500.00"), D("0"), D("0"), D("0"), Frequency.MONTHLY, (1,),
                 "Minimum spend of 500 a month on calls", None, True, 0),
    PackageDraft("Fax to email", D("2.50"), D("0.90"), D("0"), D("0"), Frequency.WEEKLY, (0,),
                 "Fax to e-mail, billed every Monday", "Fax2Email", False, 0),
    PackageDraft("Daily test number", D("0.125"), D("0.05"), D("0"), D("0"), Frequency.DAILY, (),
                 "Short-term test DID, billed each day", "DID-US", False, 0),
    PackageDraft("Annual support plan", D("240.00"), D("60.00"), D("0"), D("0"), Frequency.YEARLY, (),
                 "Priority support, once a year", None, False, 365),
    PackageDraft("Number porting", D("0"), D("0"), D("15.00"), D("6.00"), Frequency.NONE, (),
                 "One-off port-in fee", "DID-UK", False, 0),
]


def load_demo() -> int:
    """Add the demo services and packages that are not in the book yet."""
    added = 0
    with database.atomic():
        for name, description in SERVICES:
            if not UpstreamService.select().where(UpstreamService.name == name).exists():
                UpstreamService.insert(name=name, description=description).execute()
        for draft in PACKAGES:
            if not Package.select().where(Package.name == draft.name).exists():
                Package.insert(_values(draft)).execute()
                added += 1
    return added
