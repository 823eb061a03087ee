"""The account's time-zone list (one zone per place, grouped by region, no old aliases) and
the user list's times labelled with their zone."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from app.accounts.models import Role
from app.core import zones
from tests.conftest import login
from tests.factories import make_user


def optgroups(html: str) -> dict[str, list[str]]:
    select = re.search(r'<select[^>]*name="timezone".*?</select>', html, re.S).group()
    return {
        label: re.findall(r'value="([^"]+)"', body)
        for label, body in re.findall(r'<optgroup label="([^"]*)">(.*?)</optgroup>', select, re.S)
    }


def test_the_places_have_their_current_names_and_no_aliases():
    names = zones.place_zones()
    for kept in ("Europe/Amsterdam", "Asia/Kolkata", "Europe/Kyiv", "America/Guayaquil"):
        assert kept in names
    for alias in ("US/Eastern", "Etc/GMT+3", "GB", "Asia/Calcutta", "Europe/Kiev", "EST5EDT"):
        assert alias not in names
    assert zones.city_label("America/Argentina/Buenos_Aires") == "Argentina/Buenos Aires"


def test_the_profile_groups_the_zones_by_region(client, db):
    ana = make_user(email="ana@example.org")
    db.session.commit()
    login(client, ana)

    html = client.get("/account").get_data(as_text=True)

    groups = optgroups(html)
    assert list(groups)[:5] == ["Africa", "America", "Antarctica", "Arctic", "Asia"]
    assert "Europe" in groups and "Pacific Ocean" in groups
    assert "Europe/Rome" in groups["Europe"] and "America/Bogota" in groups["America"]
    assert '<option value="Europe/Rome">Rome</option>' in html
    everything = [name for names in groups.values() for name in names]
    for alias in ("US/Eastern", "Etc/GMT+3", "GB", "Asia/Calcutta"):
        assert f'value="{alias}"' not in html
    assert len(everything) == len(set(everything))
    # UTC and "not set" stand outside the groups.
    assert '<option value="UTC">UTC (universal time)</option>' in html and "UTC" not in everything


def test_an_alias_is_refused_but_a_zone_kept_from_before_stays(client, db):
    ana = make_user(email="ana@example.org")
    bruno = make_user(email="bruno@example.org")
    bruno.timezone = "US/Eastern"  # chosen when the list still offered it
    db.session.commit()

    login(client, ana)
    refused = client.post("/account", data={"name": "Ana", "locale": "en", "timezone": "GB"})
    assert "Choose a time zone from the list." in refused.get_data(as_text=True)
    saved = client.post(
        "/account", data={"name": "Ana", "locale": "en", "timezone": "Asia/Kolkata"}
    )
    assert saved.status_code == 302
    db.session.refresh(ana)
    assert ana.timezone == "Asia/Kolkata"

    login(client, bruno)
    html = client.get("/account").get_data(as_text=True)
    assert '<option selected value="US/Eastern">US/Eastern</option>' in html
    kept = client.post("/account", data={"name": "Bruno", "locale": "en", "timezone": "US/Eastern"})
    assert kept.status_code == 302


def test_the_user_list_names_the_zone_of_its_times(client, db):
    ada = make_user(Role.ADMIN, email="ada@example.org")
    tesfaye = make_user(name="Tesfaye Bekele")
    tesfaye.last_login_at = datetime(2026, 1, 15, 8, 30, tzinfo=UTC)
    db.session.commit()
    login(client, ada)

    html = client.get("/admin/users").get_data(as_text=True)
    assert "Last log-in (UTC)" in html
    assert "Jan 15, 2026, 8:30:00\u202fAM UTC" in html

    ada.timezone = "Europe/Rome"
    db.session.commit()
    html = client.get("/admin/users").get_data(as_text=True)
    assert "Last log-in (Europe/Rome)" in html
    assert "Jan 15, 2026, 9:30:00\u202fAM CET" in html
