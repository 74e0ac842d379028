"""Event input (pydantic, with both seeds' aliases) and output (JSON dicts, money as strings)."""

import re
from datetime import date, datetime, time, timezone
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, BeforeValidator, Field, StrictInt, field_validator

from app.common.ids import MAX_ID
from app.common.money import MAX_MINOR, minor_unit
from app.common.validation import InputModel


def parse_date_or_datetime(value):
    """(datetime in UTC, whether only a date was given) from `YYYY-MM-DD` or an ISO datetime.

    A datetime without an offset is taken as UTC; so is a bare date (its midnight).
    """
    if not isinstance(value, str):
        raise ValueError("must be a date (YYYY-MM-DD) or an ISO 8601 datetime string")
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            if day.year >= 9999:
                raise ValueError
            return datetime.combine(day, time.min, tzinfo=timezone.utc), True
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError("must be a date (YYYY-MM-DD) or an ISO 8601 datetime") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    if not 1 < moment.year < 9999:  # keeps offsets and "whole day" arithmetic in range
        raise ValueError("must be between the years 2 and 9998")
    return moment.astimezone(timezone.utc), False


def upcoming_date(value):
    """An event date: not in the past (a bare date may be today)."""
    if isinstance(value, datetime):  # already parsed (model_validate of a parsed model)
        return value
    moment, date_only = parse_date_or_datetime(value)
    now = datetime.now(timezone.utc)
    in_past = moment.date() < now.date() if date_only else moment < now
    if in_past:
        raise ValueError("must not be in the past")
    return moment


def money_amount(value):
    """A non-negative amount given as a number or a decimal string (bool is not a number)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise ValueError("must be a number or a decimal string")
    try:
        # str() of a JSON float keeps what the client wrote (20.5 -> "20.5").
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError("must be a number or a decimal string") from None
    if not amount.is_finite() or amount < 0:
        raise ValueError("must be a finite amount, 0 or more")
    return amount


def currency_code(value):
    """An ISO 4217 code with a minor unit, upper case (`TND`, `GBP`, `JPY`)."""
    if not isinstance(value, str) or len(value) != 3 or not value.isupper():
        raise ValueError("must be an ISO 4217 currency code in capitals, like TND")
    minor_unit(value)  # MoneyError (a ValueError) for unknown codes
    return value


def http_url(value):
    """An absolute http(s) URL."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("must be an http or https URL")
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http or https URL")
    return value.strip()


Title = Annotated[str, Field(min_length=1, max_length=200)]
Description = Annotated[str | None, Field(max_length=10_000)]
Place = Annotated[str | None, Field(max_length=200)]
Category = Annotated[str | None, Field(min_length=1, max_length=64)]
# The length limit sits on the string alone: on `str | None` pydantic applies it to null too (500).
Image = Annotated[Annotated[str, Field(max_length=2048)] | None, BeforeValidator(http_url)]
EventDate = Annotated[datetime, BeforeValidator(upcoming_date)]
TicketCount = Annotated[StrictInt, Field(ge=0, le=10_000_000)]
Amount = Annotated[Decimal, BeforeValidator(money_amount)]
Currency = Annotated[str, BeforeValidator(currency_code)]

DATE_ALIASES = AliasChoices("date", "time")
COUNT_ALIASES = AliasChoices("number_of_tickets", "tickets_available")
PRICE_ALIASES = AliasChoices("price", "ticket_price")
# Fields that may be left out of an update but never set to null.
NOT_NULLABLE = ("title", "date", "number_of_tickets", "price", "currency_code")


class EventUpdate(InputModel):
    """PATCH/PUT body: only the fields given change."""

    title: Title | None = None
    description: Description = None
    date: EventDate | None = Field(default=None, validation_alias=DATE_ALIASES)
    location: Place = None
    category: Category = None
    image: Image = None
    number_of_tickets: TicketCount | None = Field(default=None, validation_alias=COUNT_ALIASES)
    price: Amount | None = Field(default=None, validation_alias=PRICE_ALIASES)
    currency_code: Currency | None = None

    @field_validator(*NOT_NULLABLE, mode="before")
    @classmethod
    def not_null(cls, value):
        if value is None:
            raise ValueError("may not be null")
        return value

    def given(self):
        """{field: value} of the fields the client sent."""
        return {name: getattr(self, name) for name in self.model_fields_set}


class EventCreate(EventUpdate):
    """POST body: title, date (or time) and number_of_tickets (or tickets_available) required."""

    title: Title
    date: EventDate = Field(validation_alias=DATE_ALIASES)
    number_of_tickets: TicketCount = Field(validation_alias=COUNT_ALIASES)
    price: Amount = Field(default=Decimal(0), validation_alias=PRICE_ALIASES)
    currency_code: Currency = "TND"


# ------------------------------------------------------------------------------------- output


@cache
def cached_minor_unit(code):
    return minor_unit(code)


def format_amount(minor, code):
    """Exact decimal string of integer minor units: 20000 TND -> "20.000", 2000 JPY -> "2000"."""
    exponent = cached_minor_unit(code)
    if exponent == 0:
        return str(minor)
    sign = "-" if minor < 0 else ""
    whole, fraction = divmod(abs(minor), 10**exponent)
    return f"{sign}{whole}.{fraction:0{exponent}d}"


def event_out(event):
    """The API's event shape, from an Event or a row of service.EVENT_ROW columns."""
    price = format_amount(event.price_minor, event.currency_code)
    return {
        "id": event.id,
        "title": event.title,
        "description": event.description,
        "date": event.starts_at.isoformat(),
        "location": event.location,
        "category": event.category,
        "image": event.image,
        "price": price,
        "ticket_price": price,
        "currency_code": event.currency_code,
        "number_of_tickets": event.number_of_tickets,
        "tickets_available": event.number_of_tickets - event.tickets_sold,
        "organizer": {"id": event.organizer_id, "name": organizer_name(event)},
        "created_at": event.created_at.isoformat(),
        "updated_at": event.updated_at.isoformat(),
    }


def organizer_name(event):
    # Rows carry the name as a column; an Event reaches it through its relationship.
    name = getattr(event, "organizer_name", None)
    if name is None and hasattr(event, "organizer") and event.organizer is not None:
        name = event.organizer.name
    return name


# -------------------------------------------------------------------------------- list filters

PRICE_QUERY = re.compile(r"[0-9]{1,16}(\.[0-9]{1,16})?")
SORTS = ("date", "-date", "price", "-price", "title", "-created")


def date_bound(value):
    return None if value in (None, "") else parse_date_or_datetime(value)


def price_bound(value):
    """A non-negative decimal string (a query parameter is always a string)."""
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not PRICE_QUERY.fullmatch(value):
        raise ValueError("must be a non-negative decimal number, like 20.500")
    amount = Decimal(value)
    # No price is above MAX_MINOR minor units, so no amount above it (in any currency) can
    # tell events apart: a larger bound is a mistake, and refused.
    if amount > MAX_MINOR:
        raise ValueError(f"must be at most {MAX_MINOR}")
    return amount


def true_or_false(value):
    if value in (None, ""):
        return False
    if isinstance(value, bool):
        return value
    if value.lower() in ("true", "1", "yes"):
        return True
    if value.lower() in ("false", "0", "no"):
        return False
    raise ValueError("must be true or false")


DateBound = Annotated[tuple[datetime, bool] | None, BeforeValidator(date_bound)]
PriceBound = Annotated[Decimal | None, BeforeValidator(price_bound)]
Flag = Annotated[bool, BeforeValidator(true_or_false)]
Text = Annotated[str | None, Field(max_length=200)]


class EventFilters(InputModel):
    """GET /events query: every filter optional; other query parameters are not ours to refuse."""

    model_config = {"extra": "ignore"}

    # Long queries are not refused: only their first words are searched.
    q: Annotated[str | None, Field(max_length=1000)] = None
    title: Text = None
    category: Text = None
    location: Text = None
    date_from: DateBound = None
    date_to: DateBound = None
    min_price: PriceBound = None
    max_price: PriceBound = None
    # Within the id column's range: PostgreSQL cannot compare an `integer` with a larger value.
    organizer_id: Annotated[int | None, Field(ge=1, le=MAX_ID)] = None
    available: Flag = False
    sort: Literal[SORTS] | None = None  # type: ignore[valid-type]
