"""Reading calls from what a switch reports (a CSV row): one parser per
field, each failure a FieldError naming its field, and `CallReader`, which
reads a whole row at import speed and names every bad field of a bad one.

A call's `start` is a date and time in the book's time zone, kept as text
'YYYY-MM-DDTHH:MM:SS' (fixed width: text order is time order). Accepted:

- 'YYYY-MM-DD HH:MM:SS' or 'YYYY-MM-DDTHH:MM:SS';
- a fraction of a second ('.250'), which is dropped: the call started in that
  second (cut, never rounded up into the next second, which may be the next
  day, another period of a bundle);
- an offset ('Z', '+01:00', '+0100', '+01') only where it is the book's own
  time zone's at that time: the time is then the book's already. Any other
  offset is refused, naming the book's: a call is never moved to another
  time zone behind the operator's back.

`destination` is the number dialled, as digits (billing.minutes
.normalise_number: a leading + or 00 dropped); `seconds` a whole number of
seconds; `cost` what the call costs, a decimal with up to 6 places.
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import date, datetime
from decimal import Decimal
from typing import Mapping

from .catalogue import FieldError, plain_text
from .dates import DateError, parse_date
from .minutes import normalise_number
from .money import MAX_PRICE, MoneyError, parse_amount, to_micros

#: The columns of a calls file, in the order export writes them.
CALL_FIELDS = ("call_id", "customer", "start", "destination", "seconds", "cost")
CALL_ID_MAX = 100
#: The longest call the book takes (31 days): a longer one is a switch's mistake.
SECONDS_MAX = 31 * 86_400
#: The longest destination, in digits (E.164 numbers have at most 15; room for routing prefixes).
DESTINATION_MAX = 40
#: The largest cost of one call, in micro-units (the largest price).
COST_MAX_MICROS = int(MAX_PRICE) * 1_000_000

_START = re.compile(r"(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d)(?:[.,]\d+)?(Z|[+-]\d\d(?::?\d\d)?)?", re.ASCII)
_PLAIN_START = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d", re.ASCII)
_COST = re.compile(r"(\d{1,10})(?:\.(\d{0,6}))?", re.ASCII)
#: Micro-units of one unit of a fraction's last digit, by its number of digits.
_SCALE = (0, 100_000, 10_000, 1_000, 100, 10, 1)
_FORMAT = "YYYY-MM-DD HH:MM:SS (or with a T), in the book's time zone"


class CallRowError(ValueError):
    """A row with bad fields; `errors` names each, in column order."""

    def __init__(self, errors: list[FieldError]):
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


# --- one field at a time -----------------------------------------------------------


def parse_call_id(text: str) -> str:
    value = plain_text("call_id", text or "").strip()
    if not value:
        raise FieldError("call_id", "is required (the switch's id of the call)")
    if len(value) > CALL_ID_MAX:
        raise FieldError("call_id", f"is {len(value)} characters; at most {CALL_ID_MAX}")
    return value


def customer_key(text: str) -> str:
    """How a customer's name is looked up: spaces folded, case ignored."""
    return " ".join((text or "").split()).casefold()


def _offset_minutes(text: str) -> int:
    if text == "Z":
        return 0
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return sign * (int(digits[:2]) * 60 + int(digits[2:4] or 0))


def _shown_offset(minutes: int) -> str:
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def zone_offsets(moment: datetime, timezone: str) -> list[int]:
    """The UTC offsets (minutes) the book's time zone has at a local time:
    two in the hour a clock goes back, else one."""
    zone = zoneinfo.ZoneInfo(timezone)
    found = []
    for fold in (0, 1):
        offset = moment.replace(tzinfo=zone, fold=fold).utcoffset()
        minutes = int(offset.total_seconds() // 60) if offset is not None else 0
        if minutes not in found:
            found.append(minutes)
    return found


def _bad_clock(day: str, clock: str) -> str:
    """Why a date and time that looked right is not one."""
    try:
        parse_date(day)
    except DateError as exc:
        return str(exc)
    hour, minute, second = (int(p) for p in clock.split(":"))
    for value, most, what in ((hour, 23, "hour"), (minute, 59, "minute"), (second, 59, "second")):
        if value > most:
            return f"'{day} {clock}': there is no {what} {value}"
    return f"'{day} {clock}' is not a date and time ({_FORMAT})"


def parse_call_start(text: str, timezone: str = "UTC") -> str:
    """'2025-03-03 10:15:00.5' -> '2025-03-03T10:15:00' (see the module's docstring)."""
    value = (text or "").strip()
    if not value:
        raise FieldError("start", f"is required ({_FORMAT})")
    found = _START.fullmatch(value)
    if found is None:
        raise FieldError("start", f"'{value[:40]}' is not a date and time ({_FORMAT})")
    day, clock, offset = found.groups()
    stamp = f"{day}T{clock}"
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        raise FieldError("start", _bad_clock(day, clock)) from None
    if not 1900 <= moment.year <= 2999:
        raise FieldError("start", f"'{value[:40]}': year {moment.year} is out of range (1900-2999)")
    if offset is not None:
        given = _offset_minutes(offset)
        book = zone_offsets(moment, timezone)
        if given not in book:
            raise FieldError(
                "start",
                f"'{value[:40]}' has the offset {offset}, but the book's time zone is {timezone} "
                f"({' or '.join(_shown_offset(m) for m in book)} then): write calls in the book's time zone",
            )
    return stamp


def parse_destination(text: str) -> str:
    number = normalise_number(text, "destination")
    if len(number) > DESTINATION_MAX:
        raise FieldError("destination", f"is {len(number)} digits; at most {DESTINATION_MAX}")
    return number


def parse_call_seconds(text: str) -> int:
    value = (text or "").strip()
    if not value:
        raise FieldError("seconds", "is required (whole seconds, 0 or more)")
    if value.startswith("-"):
        raise FieldError("seconds", "can't be negative")
    if not (value.isascii() and value.isdigit()):
        raise FieldError("seconds", f"'{value[:20]}' is not a whole number of seconds")
    if len(value.lstrip("0")) > 7 or int(value) > SECONDS_MAX:
        raise FieldError("seconds", f"is more than {SECONDS_MAX:,} (31 days)")
    return int(value)


def parse_call_cost(text: str) -> Decimal:
    try:
        return parse_amount(text)
    except MoneyError as exc:
        raise FieldError("cost", str(exc)) from None


def cost_micros(text: str) -> int:
    """A call's cost as exact micro-units (the book's unit of money), read
    from its text without a Decimal on the way: an import reads millions."""
    found = _COST.fullmatch(text)
    if found is None:
        return to_micros(parse_call_cost(text))
    whole, fraction = found.groups()
    micros = int(whole) * 1_000_000 + (int(fraction) * _SCALE[len(fraction)] if fraction else 0)
    if micros > COST_MAX_MICROS:
        parse_call_cost(text)  # says why
    return micros


def day_start(day: date) -> str:
    """The first second of a date, as starts are kept: a bound of a range."""
    return f"{day.isoformat()}T00:00:00"


# --- a whole row -----------------------------------------------------------------------


class CallReader:
    """Reads one row's six cells into what the book keeps of a call:
    (call_id, customer id, start, destination, seconds, cost in micro-units).

    `customers` maps each customer's `customer_key(name)` to its id. A bad
    row raises CallRowError naming every bad field of it."""

    def __init__(self, customers: Mapping[str, int], timezone: str = "UTC"):
        self.customers = dict(customers)
        self.timezone = timezone
        self._ids: dict[str, int] = {}  # a customer cell as written -> id

    def read(self, call_id: str, customer: str, start: str, destination: str, seconds: str, cost: str) -> tuple:
        try:
            return self._fast(call_id, customer, start, destination, seconds, cost)
        except (ValueError, KeyError, AttributeError):
            pass
        values, errors = self._values(call_id, customer, start, destination, seconds, cost)
        if errors:
            raise CallRowError(errors)
        return values

    def _fast(
        self, call_id, customer, start, destination, seconds, cost,
        _stamp=_PLAIN_START.fullmatch, _cost=_COST.fullmatch, _moment=datetime.fromisoformat,
    ) -> tuple:
        """The common row, without a function call per field; anything
        unusual raises, and `read` then reads it field by field."""
        cid = call_id.strip()
        if not cid or len(cid) > CALL_ID_MAX or not cid.isprintable():
            raise ValueError
        who = self._ids.get(customer)
        if who is None:
            who = self._ids[customer] = self.customers[customer_key(customer)]
        if _stamp(start) is None or not "1900" <= start < "3000":
            raise ValueError  # an offset, a fraction, another year: read slowly
        stamp = start if start[10] == "T" else f"{start[:10]}T{start[11:]}"
        _moment(stamp)  # a real date and time, or ValueError
        if not (destination.isdigit() and destination.isascii()) or len(destination) > DESTINATION_MAX or destination[:2] == "00":
            destination = parse_destination(destination)
        if not (seconds.isdigit() and seconds.isascii()) or len(seconds) > 7:
            raise ValueError
        length = int(seconds)
        whole, fraction = _cost(cost).groups()
        micros = int(whole) * 1_000_000 + (int(fraction) * _SCALE[len(fraction)] if fraction else 0)
        if length > SECONDS_MAX or micros > COST_MAX_MICROS:
            raise ValueError
        return (cid, who, stamp, destination, length, micros)

    def _values(self, call_id, customer, start, destination, seconds, cost) -> tuple[tuple | None, list[FieldError]]:
        errors: list[FieldError] = []
        out: list = []

        def take(parse, *args):
            try:
                out.append(parse(*args))
            except FieldError as exc:
                errors.append(exc)

        take(parse_call_id, call_id)
        take(self._customer, customer)
        take(parse_call_start, start, self.timezone)
        take(parse_destination, destination)
        take(parse_call_seconds, seconds)
        take(cost_micros_field, cost)
        return (tuple(out) if not errors else None), errors

    def _customer(self, text: str) -> int:
        name = " ".join((text or "").split())
        if not name:
            raise FieldError("customer", "is required")
        found = self.customers.get(name.casefold())
        if found is None:
            raise FieldError("customer", f"'{name}' is not a customer of this book")
        return found


def cost_micros_field(text: str) -> int:
    """`cost_micros`, each failure a FieldError naming the cost."""
    try:
        return cost_micros((text or "").strip())
    except MoneyError as exc:
        raise FieldError("cost", str(exc)) from None

