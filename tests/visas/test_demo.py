"""The demo's open edition has two invitation letters: the participant account's, issued, and
Wanjiru's, waiting; seeding again adds none."""

from __future__ import annotations

from datetime import date

import pytest

from app.demo.services import seed_demo
from app.extensions import db
from app.visas import services
from tests.visas.conftest import requests


@pytest.fixture(autouse=True)
def neighbour():
    """The demo makes its own courses: no neighbour here."""
    yield None


def test_the_demo_s_open_edition_has_an_issued_and_a_pending_letter():
    report = seed_demo(date(2026, 12, 3))
    db.session.commit()
    letters = requests(report.upcoming_slug)
    assert [(r.registration.email, r.status.value) for r in letters] == [
        ("participant@example.org", "issued"),
        ("wanjiru@example.org", "requested"),
    ]
    assert letters[0].reference == "VISA-2026-0001"
    assert services.find_letter(letters[0].code) is letters[0]
    seed_demo(date(2026, 12, 3))
    db.session.commit()
    assert len(requests(report.upcoming_slug)) == 2
