"""The zone times are shown in, the profile's time zone, and the script that localises."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from app.core.timeutil import display_timezone, times_follow_browser
from app.extensions import db
from tests.conftest import login
from tests.factories import make_user

ANONYMOUS = SimpleNamespace(is_authenticated=False)


def _user(zone):
    return SimpleNamespace(is_authenticated=True, timezone=zone)


@pytest.mark.parametrize(
    ("online", "user", "expected", "follows_browser"),
    [
        (False, ANONYMOUS, "America/Guayaquil", False),
        (False, _user("Asia/Tokyo"), "America/Guayaquil", False),
        (True, ANONYMOUS, "UTC", True),
        (True, _user(None), "UTC", True),
        (True, _user("Asia/Tokyo"), "Asia/Tokyo", False),
        (True, _user("UTC"), "UTC", False),
        (True, _user("Mars/Olympus_Mons"), "UTC", True),  # an unknown zone counts as none
    ],
)
def test_display_timezone(online, user, expected, follows_browser):
    course = SimpleNamespace(is_online=online, timezone="UTC" if online else "America/Guayaquil")

    assert display_timezone(course, user) == expected
    assert times_follow_browser(course, user) is follows_browser


def test_profile_sets_and_clears_the_time_zone(client):
    user = make_user(name="Aiko")
    db.session.commit()
    login(client, user)

    form = client.get("/account").get_data(as_text=True)
    saved = client.post("/account", data={"name": "Aiko", "locale": "en", "timezone": "Asia/Tokyo"})
    tokyo = user.timezone
    refused = client.post("/account", data={"name": "Aiko", "locale": "en", "timezone": "Nowhere"})
    kept = user.timezone
    cleared = client.post("/account", data={"name": "Aiko", "locale": "en", "timezone": ""})

    assert '<option value="Europe/Madrid">Madrid</option>' in form  # under "Europe"
    assert saved.status_code == 302 and tokyo == "Asia/Tokyo"
    assert refused.status_code == 200 and kept == "Asia/Tokyo"
    assert "Choose a time zone from the list." in refused.get_data(as_text=True)
    assert cleared.status_code == 302 and user.timezone is None


def test_localtime_script_is_served_and_has_no_dependencies(client):
    with client.get("/static/js/localtime.js") as response:
        assert response.status_code == 200
        assert "javascript" in response.mimetype
    source = Path(__file__).parents[2].joinpath("app/static/js/localtime.js").read_text()

    assert "import " not in source and "require(" not in source
    assert "Intl.DateTimeFormat" in source and "data-localize" in source
