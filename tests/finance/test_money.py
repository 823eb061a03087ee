"""Amounts as people type them, checked, rounded and written back in the reader's way."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.core.rules import FieldErrors
from app.finance import money
from app.finance.money import (
    MAX_AMOUNT,
    check_amount,
    currency_codes,
    currency_name,
    format_money,
    is_currency,
    parse_amount,
    quantize,
)

D = Decimal
NNBSP, NBSP = "\u202f", "\u00a0"


def refusal(call, *args, **kwargs) -> tuple[str | None, list[str]]:
    with pytest.raises(FieldErrors) as caught:
        call(*args, **kwargs)
    [(field, messages)] = caught.value.errors.items()
    return field, [str(m) for m in messages]


@pytest.mark.parametrize(
    ("typed", "currency", "amount"),
    [
        ("2450", "EUR", "2450.00"),
        ("2450.5", "EUR", "2450.50"),
        ("2450,50", "EUR", "2450.50"),
        (" 2 450,50 ", "EUR", "2450.50"),
        ("\t2450.50\n", "EUR", "2450.50"),
        (f"2{NNBSP}450,50", "EUR", "2450.50"),  # as French is written (Babel's narrow space)
        (f"2{NBSP}450,50", "EUR", "2450.50"),
        ("2'450.50", "CHF", "2450.50"),
        ("2\u2019450.50", "CHF", "2450.50"),
        ("1,250.75", "USD", "1250.75"),  # both marks: the last one is the decimals'
        ("123,456.8", "USD", "123456.80"),
        ("123.456,8", "EUR", "123456.80"),
        ("1.250,75", "EUR", "1250.75"),
        ("1,000,000", "JPY", "1000000"),
        ("1.000.000", "EUR", "1000000.00"),  # the maximum itself is allowed
        ("250000", "JPY", "250000"),
        (".5", "EUR", "0.50"),
        ("12.", "EUR", "12.00"),
        ("0", "EUR", "0.00"),
        ("0.01", "EUR", "0.01"),
    ],
)
def test_amounts_are_read_the_way_people_type_them(typed, currency, amount):
    parsed = parse_amount(typed, currency, field="tuition")
    assert parsed == D(amount)
    assert str(parsed) == amount  # kept to the currency's minor unit


@pytest.mark.parametrize(
    ("typed", "currency", "message"),
    [
        ("", "EUR", "Enter an amount."),
        ("   ", "EUR", "Enter an amount."),
        (None, "EUR", "Enter an amount."),
        ("abc", "EUR", "Enter an amount such as 1250.00."),
        ("1e3", "EUR", "Enter an amount such as 1250.00."),
        ("NaN", "EUR", "Enter an amount such as 1250.00."),
        ("Infinity", "EUR", "Enter an amount such as 1250.00."),
        ("+5", "EUR", "Enter an amount such as 1250.00."),
        ("1_000", "EUR", "Enter an amount such as 1250.00."),
        ("١٢٣", "EUR", "Enter an amount such as 1250.00."),  # digits of another script
        ("€ 12", "EUR", "Enter an amount such as 1250.00."),
        ("1.2.3,4", "EUR", "Enter an amount such as 1250.00."),
        ("1,2,3", "EUR", "Enter an amount such as 1250.00."),
        ("12.34.567", "EUR", "Enter an amount such as 1250.00."),
        ("1,2345.6", "EUR", "Enter an amount such as 1250.00."),
        ("1,250.5,0", "EUR", "Enter an amount such as 1250.00."),
        ("-", "EUR", "Enter an amount such as 1250.00."),
        ("-5", "EUR", "The amount cannot be negative."),
        ("-0.01", "EUR", "The amount cannot be negative."),
        # One mark and three digits after it: not silently 1.25 euros.
        ("1,250", "EUR", "EUR amounts have at most 2 decimals."),
        ("1.250", "EUR", "EUR amounts have at most 2 decimals."),
        ("0.001", "EUR", "EUR amounts have at most 2 decimals."),
        ("2450.500", "USD", "USD amounts have at most 2 decimals."),
        ("1250.5", "JPY", "JPY amounts have no decimals."),
        ("1250.0", "JPY", "JPY amounts have no decimals."),
        ("1250.", "JPY", None),
        ("1000000.01", "EUR", "The amount is too large: at most €1,000,000.00."),
        ("1,000,001", "JPY", "The amount is too large: at most ¥1,000,000."),
        ("99999999999999999999999", "EUR", "The amount is too large: at most €1,000,000.00."),
    ],
)
def test_what_cannot_be_an_amount_is_refused_beside_its_field(app, typed, currency, message):
    if message is None:  # a trailing mark without decimals is harmless
        assert parse_amount(typed, currency, field="budget") == D("1250")
        return
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert refusal(parse_amount, typed, currency, field="budget") == ("budget", [message])


def test_zero_may_be_refused():
    assert parse_amount("0", "EUR", field="amount") == 0
    assert refusal(parse_amount, "0", "EUR", field="amount", allow_zero=False) == (
        "amount",
        ["The amount must be more than zero."],
    )
    assert refusal(parse_amount, "0.00", "EUR", field="amount", allow_zero=False)[1] == [
        "The amount must be more than zero."
    ]
    assert parse_amount("0.01", "EUR", field="amount", allow_zero=False) == D("0.01")


@pytest.mark.parametrize(
    ("amount", "currency", "message"),
    [
        (D("-0.01"), "EUR", "The amount cannot be negative."),
        (D("0.001"), "EUR", "EUR amounts have at most 2 decimals."),
        (D("0.5"), "JPY", "JPY amounts have no decimals."),
        (D("1000000.01"), "EUR", "The amount is too large: at most €1,000,000.00."),
        (D("1000001"), "JPY", "The amount is too large: at most ¥1,000,000."),
    ],
)
def test_amounts_given_by_code_follow_the_same_rules(amount, currency, message):
    assert refusal(check_amount, amount, currency, field="budget") == ("budget", [message])


def test_checked_amounts_come_back_to_the_minor_unit():
    assert str(check_amount(D("5"), "EUR", field="x")) == "5.00"
    assert str(check_amount(D("5.00"), "JPY", field="x")) == "5"
    assert str(check_amount(D("2450.10"), "EUR", field="x")) == "2450.10"
    assert check_amount(MAX_AMOUNT, "EUR", field="x") == D("1000000.00")
    assert D("1000000") == MAX_AMOUNT
    assert str(check_amount(D("0"), "EUR", field="x")) == "0.00"


@pytest.mark.parametrize(
    ("amount", "currency", "rounded"),
    [
        (D("2.345"), "EUR", "2.35"),  # halves away from zero, as accounts are kept
        (D("2.344"), "EUR", "2.34"),
        (D("2.355"), "EUR", "2.36"),
        (D("-2.345"), "EUR", "-2.35"),
        (D("2.5"), "JPY", "3"),
        (D("3.5"), "JPY", "4"),
        (D("2.49"), "JPY", "2"),
        (D("1800.25"), "EUR", "1800.25"),
    ],
)
def test_quantize_rounds_to_the_currency(amount, currency, rounded):
    assert str(quantize(amount, currency)) == rounded


def test_money_is_written_in_the_readers_way(app):
    assert format_money(D("1250.5"), "EUR", "en") == "€1,250.50"
    assert format_money(D("1250.5"), "EUR", "fr") == f"1{NNBSP}250,50{NBSP}€"
    assert format_money(D("1250.5"), "EUR", "es") == f"1.250,50{NBSP}€"
    assert format_money(D("250000"), "JPY", "en") == "¥250,000"
    assert format_money(D("2450"), "USD", "en") == "$2,450.00"
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        assert format_money(D("1800.25"), "EUR") == f"1{NNBSP}800,25{NBSP}€"
        assert currency_name("EUR") == "euro"
    assert currency_name("CHF", "en") == "Swiss Franc"
    assert currency_name("CHF", "es") == "franco suizo"


def test_currencies_are_those_in_use_kept_to_the_cent():
    codes = currency_codes()
    assert {"EUR", "USD", "CHF", "JPY", "XOF", "XAF", "BRL", "KES"} <= set(codes)
    # Historical, fund and metal codes, and three-decimal currencies, are not offered.
    assert not {"ZWD", "DEM", "XAU", "CHE", "USN", "KWD", "BHD", "TND"} & set(codes)
    assert list(codes) == sorted(codes)
    assert len(codes) > 140
    assert is_currency("EUR")
    assert not is_currency("eur")
    assert not is_currency("KWD")
    assert not is_currency(None)
    assert money.decimals("JPY") == 0
    assert money.decimals("EUR") == 2
