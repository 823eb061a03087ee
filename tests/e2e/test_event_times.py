"""static/js/localtime.js in Chromium: an online event's times in the browser's zone."""

from __future__ import annotations

from datetime import date, time

import pytest

from app.courses.models import CourseKind, RegistrationMode
from app.extensions import db
from tests.events.conftest import add_session, make_event

pytestmark = pytest.mark.e2e


def test_times_of_an_online_event_follow_the_browsers_zone(browser, live_server):
    webinar = make_event(
        kind=CourseKind.WEBINAR,
        title="Follow-up webinar",
        online_url="https://meet.example.org/webinar",
        mode=RegistrationMode.NONE,
        start=date(2016, 10, 18),
    )
    add_session(webinar, "Live discussion", date(2016, 10, 18), time(13, 0), time(14, 0), tz="UTC")
    add_session(webinar, "Late session", date(2016, 10, 18), time(20, 0), time(21, 0), tz="UTC")
    db.session.commit()

    context = browser.new_context(base_url=live_server, timezone_id="Asia/Tokyo", locale="en-GB")
    try:
        page = context.new_page()
        page.goto(f"/courses/{webinar.slug}")
        times = page.locator("time[data-localize]").all_inner_texts()
        note = page.locator(".timezone-note").inner_text()
    finally:
        context.close()

    # 13:00 and 14:00 UTC are 22:00 and 23:00 in Tokyo; 20:00 UTC is 05:00 on the 19th.
    assert note == "Times in your time zone (Asia/Tokyo)."
    assert [t.replace("\u202f", " ") for t in times[:2]] == ["10:00 PM", "11:00 PM"]
    assert "19" in times[2] and "5:00" in times[2]
