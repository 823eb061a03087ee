"""The tabs of a course's management pages, grouped in the order a course is lived: setting it
up, choosing and writing to participants, the on-site week, the online phase.

Each tab says who sees it: the course's managers only, or also the rest of its team (facilitators;
reviewers see only Selection). Events have no modules, follow-up phase or certificates."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from app.courses.models import Course
from app.courses.permissions import can_manage_course, can_review, can_see_participants


@dataclass(frozen=True)
class Tab:
    key: str
    endpoint: str
    label: Any
    managers_only: bool = False
    for_events: bool = True
    on_site_only: bool = False  # not for online courses, nor those without a venue


@dataclass(frozen=True)
class TabGroup:
    name: Any
    tabs: tuple[Tab, ...]


def _groups(is_event: bool) -> tuple[TabGroup, ...]:
    return (
        TabGroup(
            _l("Set-up"),
            (
                Tab("details", "courses.edit", _l("Details"), True),
                Tab("modules", "courses.edit_modules", _l("Modules"), True, False),
                Tab(
                    "timetable",
                    "schedule.timetable",
                    _l("Sessions") if is_event else _l("Timetable"),
                    True,
                ),
                Tab("followup", "followup.manage", _l("Follow-up phase"), True, False),
                Tab("team", "courses.team", _l("Team"), True),
                Tab("questions", "applications.index", _l("Questions"), True),
                Tab("fees", "finance.fees", _l("Fees"), True, False),
                Tab("evaluation", "evaluation.manage", _l("Evaluation"), True, False),
                Tab("ratings", "ratings.settings", _l("Session ratings"), True, False),
            ),
        ),
        TabGroup(
            _l("Participants"),
            (
                Tab("selection", "selection.index", _l("Selection")),
                Tab("participants", "desk.index", _l("Participants")),
                Tab("fellowships", "finance.fellowships_page", _l("Fellowships"), True, False),
                Tab("invoices", "invoices.index", _l("Invoices"), True, False),
                Tab("messages", "messages.index", _l("Messages"), True),
                Tab("announcements", "announcements.manage", _l("Announcements"), True),
                Tab("alumni", "alumni.invite", _l("Past participants"), True),
                Tab("visas", "visas.index", _l("Visa letters"), True, on_site_only=True),
            ),
        ),
        TabGroup(
            _l("On site"),
            (
                Tab("attendance", "desk.attendance", _l("Attendance")),
                Tab("checkin", "checkin.page", _l("Check-in")),
                Tab(
                    "certificates", "certificates.course_overview", _l("Certificates"), True, False
                ),
            ),
        ),
        TabGroup(
            _l("Online phase"),
            (
                Tab("handins", "followup.handins_overview", _l("Hand-ins"), False, False),
                Tab("materials", "materials.manage", _l("Materials")),
                Tab("discussions", "discussions.index", _l("Discussions"), False, False),
                Tab("progress", "progress.matrix", _l("Progress"), False, False),
                Tab("results", "results.show", _l("Results"), False, False),
            ),
        ),
    )


def management_tabs(user: Any, course: Course) -> list[TabGroup]:
    """The groups of tabs ``user`` may open on ``course``, empty groups left out."""
    is_event = course.kind.is_event
    manages = can_manage_course(user, course)
    sees_desk = can_see_participants(user, course)
    reviews = can_review(user, course)

    def shown(tab: Tab) -> bool:
        if is_event and not tab.for_events:
            return False
        if tab.on_site_only and (course.is_online or course.venue is None):
            return False
        if manages:
            return True
        if tab.managers_only:
            return False
        return reviews if tab.key == "selection" else sees_desk

    groups = [TabGroup(g.name, tuple(t for t in g.tabs if shown(t))) for g in _groups(is_event)]
    return [g for g in groups if g.tabs]
