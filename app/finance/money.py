"""Amounts of money: read from what people type, checked, rounded and shown.

Amounts are ``Decimal`` throughout; a float never touches them. A currency's minor unit comes
from the CLDR data Babel carries (two decimals for EUR, none for JPY).
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any

from babel import Locale, numbers
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from app.core.rules import FieldErrors

# Above this, a fee or a payment is a typing mistake (a course costs thousands, not millions).
MAX_AMOUNT = Decimal("1000000")


@cache
def currency_codes() -> tuple[str, ...]:
    """ISO 4217 codes of the currencies legal tender somewhere today (CLDR), the CFA francs
    (XOF, XAF) and the East Caribbean dollar among them: not the historical, fund and metal
    codes Babel also knows (ZWD, CHE, XAU…), and none with three decimals (KWD: amounts are
    kept to the cent)."""
    codes = set()
    for territory in Locale("en").territories:
        codes.update(numbers.get_territory_currencies(territory, tender=True))
    return tuple(sorted(c for c in codes if numbers.get_currency_precision(c) <= 2))


def is_currency(code: str | None) -> bool:
    return code in currency_codes()


def decimals(currency: str) -> int:
    return numbers.get_currency_precision(currency)


def quantize(amount: Decimal, currency: str) -> Decimal:
    """Rounded to the currency's minor unit, halves away from zero (as accounts are kept)."""
    return amount.quantize(Decimal(1).scaleb(-decimals(currency)), rounding=ROUND_HALF_UP)


# Spaces (plain, no-break, narrow no-break) and apostrophes group thousands: "1 250", "1'250".
_GROUPING = str.maketrans("", "", " \u00a0\u202f'\u2019")
_PLAIN_NUMBER = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


def parse_amount(
    text: str | None, currency: str, *, field: str, allow_zero: bool = True
) -> Decimal:
    """The amount typed in ``text``, or FieldErrors for ``field`` saying why not.

    A dot or a comma marks the decimals; with both ("1,250.50", "1.250,50") the last one does,
    and one of them repeated ("1,250,000") groups thousands. More decimals than the currency
    has are refused even when they are zeros ("1,250" is not silently €1.25)."""
    cleaned = (text or "").strip().translate(_GROUPING)
    if not cleaned:
        raise FieldErrors.single(_l("Enter an amount."), field)
    commas, dots = cleaned.count(","), cleaned.count(".")
    if commas and dots:
        mark = cleaned[max(cleaned.rfind(","), cleaned.rfind("."))]
        group = "." if mark == "," else ","
        whole, _mark, fraction = cleaned.rpartition(mark)
        cleaned = f"{_ungrouped(whole, group)}.{fraction}"
    elif commas > 1:
        cleaned = _ungrouped(cleaned, ",")
    elif dots > 1:
        cleaned = _ungrouped(cleaned, ".")
    else:
        cleaned = cleaned.replace(",", ".")
    if not _PLAIN_NUMBER.fullmatch(cleaned):
        raise FieldErrors.single(_l("Enter an amount such as 1250.00."), field)
    amount = Decimal(cleaned)
    if len(cleaned.partition(".")[2]) > decimals(currency):
        raise FieldErrors.single(_precision_message(currency), field)
    return check_amount(amount, currency, field=field, allow_zero=allow_zero)


def _ungrouped(number: str, group: str) -> str:
    """``number`` without its thousands separators if they group by three ("1,250,000"); else
    unchanged, for the caller to refuse ("1,2,3")."""
    if re.fullmatch(rf"-?[0-9]{{1,3}}(?:{re.escape(group)}[0-9]{{3}})+", number):
        return number.replace(group, "")
    return number


def _precision_message(currency: str) -> Any:
    places = decimals(currency)
    if places == 0:
        return _l("%(currency)s amounts have no decimals.", currency=currency)
    return _l(
        "%(currency)s amounts have at most %(places)d decimals.", currency=currency, places=places
    )


def check_amount(amount: Decimal, currency: str, *, field: str, allow_zero: bool = True) -> Decimal:
    if amount < 0:
        raise FieldErrors.single(_l("The amount cannot be negative."), field)
    if amount == 0 and not allow_zero:
        raise FieldErrors.single(_l("The amount must be more than zero."), field)
    if amount > MAX_AMOUNT:
        raise FieldErrors.single(
            _l("The amount is too large: at most %(max)s.", max=format_money(MAX_AMOUNT, currency)),
            field,
        )
    if amount != quantize(amount, currency):
        raise FieldErrors.single(_precision_message(currency), field)
    return quantize(amount, currency)


def format_money(amount: Decimal, currency: str, locale: str | None = None) -> str:
    """``1 250,00 €`` in French, ``€1,250.00`` in English: the reader's way of writing it."""
    return numbers.format_currency(
        amount, currency, locale=locale or str(get_locale()), currency_digits=True
    )


def currency_name(code: str, locale: str | None = None) -> str:
    return numbers.get_currency_name(code, locale=locale or str(get_locale()))
