"""The details a consulate needs, as a participant gives them: checked and tidied, with a
message by field for what is wrong (the name on one line, the passport number as letters and
digits in capitals, a sensible date of birth, a passport valid after the course, countries as
ISO codes, the letter in English or French)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l

from app.core.rules import FieldErrors
from app.courses.models import Course
from app.registration.forms import country_names
from app.visas.models import (
    CONSULATE_CITY_MAX,
    LETTER_LANGUAGES,
    PASSPORT_NAME_MAX,
    PASSPORT_NUMBER_MAX,
    PASSPORT_NUMBER_MIN,
)

# A date of birth is refused beyond these: a typo (2019 for 1991) or a probe.
MAX_AGE_YEARS = 120
MIN_AGE_YEARS = 14
PASSPORT_NUMBER = re.compile(rf"[A-Z0-9]{{{PASSPORT_NUMBER_MIN},{PASSPORT_NUMBER_MAX}}}")


@dataclass
class LetterDetails:
    """What the participant sent, as the form hands it over."""

    passport_name: str = ""
    passport_number: str = ""
    nationality: str = ""
    birth_date: date | None = None
    passport_expires_on: date | None = None
    consulate_city: str = ""
    consulate_country: str = ""
    language: str = "en"


def normalise_passport_number(raw: str) -> str:
    """As typed (spaces, dashes, any case) to as stored: letters and digits, upper case."""
    return re.sub(r"[\s\-]", "", raw or "").upper()


def passport_number_problem(raw: str | None) -> Any | None:
    """What is wrong with a passport number as typed; None when it is fine."""
    number = normalise_passport_number(raw or "")
    if not number:
        return _l("Give your passport number.")
    if not PASSPORT_NUMBER.fullmatch(number):
        return _l(
            "A passport number has %(min)d to %(max)d letters and digits (no other signs).",
            min=PASSPORT_NUMBER_MIN,
            max=PASSPORT_NUMBER_MAX,
        )
    return None


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def clean_details(details: LetterDetails, course: Course, *, today: date) -> LetterDetails:
    """The details checked and tidied (names on one line, the passport number in capitals),
    or :class:`FieldErrors` naming each field that is wrong."""
    errors: dict[str | None, list[Any]] = {}
    countries = country_names("en")

    name = " ".join((details.passport_name or "").split())
    if not name:
        errors["passport_name"] = [_l("Give your name exactly as it is written in your passport.")]
    elif len(name) > PASSPORT_NAME_MAX:
        errors["passport_name"] = [_l("At most %(max)d characters.", max=PASSPORT_NAME_MAX)]

    number = normalise_passport_number(details.passport_number)
    problem = passport_number_problem(details.passport_number)
    if problem is not None:
        errors["passport_number"] = [problem]

    if details.nationality not in countries:
        errors["nationality"] = [_l("Choose your nationality.")]

    born = details.birth_date
    if born is None:
        errors["birth_date"] = [_l("Give your date of birth.")]
    elif born >= today:
        errors["birth_date"] = [_l("A date of birth is in the past.")]
    elif born < _years_before(today, MAX_AGE_YEARS):
        errors["birth_date"] = [
            _l("This date is more than %(years)d years ago: check the year.", years=MAX_AGE_YEARS)
        ]
    elif born > _years_before(today, MIN_AGE_YEARS):
        errors["birth_date"] = [
            _l(
                "Participants are at least %(years)d years old: check the year.",
                years=MIN_AGE_YEARS,
            )
        ]

    expires = details.passport_expires_on
    if expires is not None and expires <= course.end_date:
        errors["passport_expires_on"] = [
            _l(
                "Your passport expires before the end of the course: a consulate asks for a "
                "passport valid beyond your stay. Renew it first."
            )
        ]

    city = " ".join((details.consulate_city or "").split())
    if not city:
        errors["consulate_city"] = [_l("Give the city of the consulate where you apply.")]
    elif len(city) > CONSULATE_CITY_MAX:
        errors["consulate_city"] = [_l("At most %(max)d characters.", max=CONSULATE_CITY_MAX)]
    if details.consulate_country not in countries:
        errors["consulate_country"] = [_l("Choose the country of the consulate.")]

    if details.language not in LETTER_LANGUAGES:
        errors["language"] = [_l("Letters are written in English or French.")]

    if errors:
        raise FieldErrors(errors)
    return LetterDetails(
        passport_name=name,
        passport_number=number,
        nationality=details.nationality,
        birth_date=born,
        passport_expires_on=expires,
        consulate_city=city,
        consulate_country=details.consulate_country,
        language=details.language,
    )
