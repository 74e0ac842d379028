"""Money is exact: integer minor units in, decimal strings with the ISO 4217 minor unit out."""

from decimal import Decimal

import pytest

from app.common.money import MoneyError, format_minor, minor_unit, to_minor


@pytest.mark.parametrize(
    ("currency", "minor", "text"),
    [("TND", 20000, "20.000"), ("GBP", 2000, "20.00"), ("JPY", 2000, "2000"), ("TND", 0, "0.000")],
)
def test_format_uses_the_currency_minor_unit(currency, minor, text):
    assert format_minor(minor, currency) == text


@pytest.mark.parametrize("amount", [20, "20", "20.000", 20.0, Decimal("20")])
def test_amounts_in_any_form_become_exact_minor_units(amount):
    assert to_minor(amount, "TND") == 20000


def test_a_float_that_is_not_binary_exact_stays_exact():
    assert to_minor(0.1, "TND") == 100
    assert to_minor("19.99", "GBP") == 1999


@pytest.mark.parametrize(
    ("amount", "currency"),
    [
        ("1.0001", "TND"),
        ("1.001", "GBP"),
        ("1.5", "JPY"),
        ("abc", "TND"),
        ("NaN", "TND"),
        ("1e30", "TND"),
        (True, "TND"),
        (None, "TND"),
        ("1", "XYZ"),
        ("1", "XAU"),
    ],
)
def test_invalid_amounts_and_currencies_are_refused(amount, currency):
    with pytest.raises(MoneyError):
        to_minor(amount, currency)


def test_minor_units_come_from_iso_4217():
    units = [minor_unit(code) for code in ("TND", "EUR", "JPY", "KWD")]
    assert units == [3, 2, 0, 3]
