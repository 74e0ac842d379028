"""Exact money: integer minor units in the database, decimal strings on the wire."""

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

import iso4217

DEFAULT_CURRENCY = "TND"
# Far above any ticket price, and well inside a 64-bit integer column.
MAX_MINOR = 10**15


class MoneyError(ValueError):
    pass


def minor_unit(currency_code):
    """ISO 4217 minor unit (TND 3, GBP 2, JPY 0); MoneyError for unknown or non-money codes."""
    try:
        exponent = iso4217.Currency(currency_code).exponent
    except ValueError:
        raise MoneyError(f"{currency_code!r} is not an ISO 4217 currency code.") from None
    if exponent is None:
        raise MoneyError(f"{currency_code} is not a currency with a minor unit.")
    return exponent


def to_minor(amount, currency_code):
    """Integer minor units of `amount` (number or string); refuses more decimals than allowed."""
    if isinstance(amount, bool) or not isinstance(amount, (int, str, Decimal, float)):
        raise MoneyError("An amount must be a number or a decimal string.")
    try:
        # str() of a JSON float keeps what the client wrote (20.5 -> "20.5"), never binary noise.
        value = Decimal(str(amount).strip())
    except InvalidOperation:
        raise MoneyError(f"{amount!r} is not a valid amount.") from None
    if not value.is_finite():
        raise MoneyError("An amount must be finite.")
    exponent = minor_unit(currency_code)
    scaled = value.scaleb(exponent)
    if scaled != scaled.to_integral_value():
        raise MoneyError(f"{currency_code} amounts have at most {exponent} decimals.")
    if abs(scaled) > MAX_MINOR:
        raise MoneyError("The amount is too large.")
    return int(scaled)


def format_minor(minor, currency_code):
    """Decimal string with the currency's minor unit: 20000 TND -> "20.000"."""
    exponent = minor_unit(currency_code)
    value = Decimal(minor).scaleb(-exponent)
    return str(value.quantize(Decimal(1).scaleb(-exponent), rounding=ROUND_HALF_EVEN))
