"""A certificate's code: twelve unambiguous characters, unique, found again as typed."""

from __future__ import annotations

import pytest

from app.certificates import services
from tests.certificates.conftest import attend, complete
from tests.factories import make_registration, make_user


def test_the_code_is_twelve_unambiguous_characters(eligible):
    certificate = services.issue_certificate(eligible)
    assert len(certificate.code) == 12
    assert set(certificate.code) <= set(services.CODE_ALPHABET)
    assert not set("01IO") & set(services.CODE_ALPHABET)
    formatted = services.format_code(certificate.code)
    assert len(formatted) == 14 and formatted[4] == formatted[9] == "-"


def test_codes_are_unique(course, organiser):
    codes = set()
    for _ in range(20):
        registration = make_registration(course)
        attend(registration, 4)
        codes.add(services.issue_certificate(registration, actor=organiser).code)
    assert len(codes) == 20


def test_a_taken_code_is_drawn_again(eligible, course, required_assignment, organiser, monkeypatch):
    other = make_registration(course, make_user())
    attend(other, 4)
    complete(other, required_assignment, organiser)
    drawn = iter(["AAAABBBBCCCC", "AAAABBBBCCCC", "DDDDEEEEFFFF"])
    monkeypatch.setattr(services, "new_code", lambda: next(drawn))
    assert services.issue_certificate(eligible).code == "AAAABBBBCCCC"
    assert services.issue_certificate(other).code == "DDDDEEEEFFFF"


@pytest.mark.parametrize(
    "typed",
    ["{grouped}", "{plain}", "{lower}", " {grouped_lower} ", "{spaced}"],
)
def test_find_by_code_as_typed(eligible, typed):
    code = services.issue_certificate(eligible).code
    grouped = services.format_code(code)
    text = typed.format(
        grouped=grouped,
        plain=code,
        lower=code.lower(),
        grouped_lower=grouped.lower(),
        spaced=grouped.replace("-", " "),
    )
    assert services.find_certificate(text).id == eligible.certificate.id


@pytest.mark.parametrize("typed", ["", "ABCD", "ABCD-EFGH-JKL0", "ABCD-EFGH-JKLMN", "%%%%"])
def test_unknown_or_malformed_codes_find_nothing(eligible, typed):
    services.issue_certificate(eligible)
    assert services.find_certificate(typed) is None


@pytest.mark.parametrize("change", ["one character less", "one character more", "a zero last"])
def test_a_code_almost_like_an_issued_one_finds_nothing(eligible, change):
    code = services.issue_certificate(eligible).code
    typed = {
        "one character less": code[:-1],
        "one character more": code + "A",
        "a zero last": code[:-1] + "0",
    }[change]
    assert services.find_certificate(services.format_code(typed)) is None


def test_normalise_and_format_codes():
    assert services.normalise_code("abcd-efgh jklm") == "ABCDEFGHJKLM"
    assert services.format_code("ABCDEFGHJKLM") == "ABCD-EFGH-JKLM"
