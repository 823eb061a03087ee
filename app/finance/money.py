"""Amounts of money: read from what people type, checked, rounded and shown.

Amounts are ``Decimal`` throughout; a float never touches them. A currency's minor unit comes
from the CLDR data Babel carries (two decimals for EUR, none for JPY).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache

from babel import Locale, numbers
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from app.core.rules import FieldErrors

# Above this, a fee or a payment is a typing mistake (a course costs thousands, not millions).
MAX_AMOUNT = Decimal("1000000")


@cache
def currency_codes() -> tuple[str, ...]:
    """ISO 4217 codes of the currencies legal tender somewhere today (CLDR): not the historical
    and fund codes Babel also lists (ZWD, XAU…), and none with three decimals (amounts are kept
    to the cent)."""
    codes = set()
    for territory in Locale("en").territories:
        codes.update(numbers.get_territory_currencies(territory, tender=True))
    return tuple(
        sorted(c for c in codes if not c.startswith("X") and numbers.get_currency_precision(c) <= 2)
    )


def is_currency(code: str | None) -> bool:
    return code in currency_codes()


def decimals(currency: str) -> int:
    return numbers.get_currency_precision(currency)


def quantize(amount: Decimal, currency: str) -> Decimal:
    """Rounded to the currency's minor unit, halves away from zero (as accounts are kept)."""
    return amount.quantize(Decimal(1).scaleb(-decimals(currency)), rounding=ROUND_HALF_UP)


def parse_amount(
    text: str | None, currency: str, *, field: str, allow_zero: bool = True
) -> Decimal:
    """The amount typed in ``text`` (a dot or a comma before the decimals; spaces and
    apostrophes between thousands are ignored), or FieldErrors for ``field`` saying why not."""
    cleaned = (text or "").strip().replace(" ", "").replace("\u00a0", "").replace("'", "")
    if not cleaned:
        raise FieldErrors.single(_l("Enter an amount."), field)
    if "," in cleaned and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise FieldErrors.single(_l("Enter an amount such as 1250.00."), field) from None
    if not amount.is_finite():
        raise FieldErrors.single(_l("Enter an amount such as 1250.00."), field)
    return check_amount(amount, currency, field=field, allow_zero=allow_zero)


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
    places = decimals(currency)
    if amount != amount.quantize(Decimal(1).scaleb(-places)):
        if places == 0:
            message = _l("%(currency)s amounts have no decimals.", currency=currency)
        else:
            message = _l(
                "%(currency)s amounts have at most %(places)d decimals.",
                currency=currency,
                places=places,
            )
        raise FieldErrors.single(message, field)
    return quantize(amount, currency)


def format_money(amount: Decimal, currency: str, locale: str | None = None) -> str:
    """``1 250,00 €`` in French, ``€1,250.00`` in English: the reader's way of writing it."""
    return numbers.format_currency(
        amount, currency, locale=locale or str(get_locale() or "en"), currency_digits=True
    )


def currency_name(code: str, locale: str | None = None) -> str:
    return numbers.get_currency_name(code, locale=locale or str(get_locale() or "en"))
