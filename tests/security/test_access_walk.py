"""Walks every route of the app, from its URL map, as eight people, and checks each answer
against the table below.

The world is one finished course with everything a URL can name (a timetable, a follow-up
activity, registrations, a certificate, a feed link…). Each role's walk builds it once; each
request's writes are flushed, never committed, and rolled back after the checks, so every
request meets the same world whatever the one before it did. Where the table refuses a
request, the request must neither commit nor leave any row of any table changed.

A route missing from the table fails the walk: ``add <endpoint> to EXPECTED``.
"""

from __future__ import annotations

import functools
import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask
from werkzeug.datastructures import FileStorage
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from app.accounts.models import (
    ConfirmationPurpose,
    EmailConfirmation,
    PasswordResetToken,
    Role,
    User,
)
from app.announcements.services import post_announcement
from app.applications.models import Answer, QuestionKind
from app.applications.services import OptionData, QuestionData, TextData, create_question
from app.certificates.services import format_code, issue_certificate
from app.courses.models import Course, CourseStatus, CourseTeamMember, TeamRole
from app.db import now_utc
from app.discussions.digest import unsubscribe_token
from app.discussions.models import DiscussionPost
from app.endorsement.models import Endorsement
from app.evaluation.opening import open_evaluation
from app.evaluation.questionnaire import create_evaluation
from app.extensions import db
from app.feeds.models import FeedKind
from app.feeds.services import create_feed_token
from app.finance import fellowships as finance_fellowships
from app.finance.fees import set_fees
from app.finance.models import FellowshipKind
from app.followup import submissions as work
from app.followup.models import ActivityKind, SubmissionFile, SubmissionVersion
from app.followup.services import ActivityData, apply_followup_defaults, create_activity
from app.invoices import services as invoice_services
from app.invoices.models import DocumentKind
from app.materials.services import MaterialData, add_material
from app.messages.services import Version
from app.messages.services import compose as compose_message
from app.privacy.models import ErasureRequest
from app.registration.models import Attendance, RegistrationStatus
from app.schedule.proposal import propose_timetable
from app.selection.services import CriterionData, CriterionTextData, create_criterion
from app.sessions.services import start_session
from app.storage.services import store_upload
from app.visas.details import LetterDetails
from app.visas.services import issue as issue_letter
from app.visas.services import request_letter
from tests.conftest import login, session_key
from tests.factories import (
    PASSWORD,
    make_course,
    make_module,
    make_registration,
    make_user,
    make_venue,
)
from tests.programmes.factories import make_programme
from tests.storage.samples import pdf

VISA_DETAILS = LetterDetails(
    passport_name="Ana Participant",
    passport_number="AP1234567",
    nationality="BR",
    birth_date=date(1985, 2, 3),
    consulate_city="Brasília",
    consulate_country="BR",
    language="en",
)


def date_utc(day: date, days: int):
    """Noon UTC ``days`` days from ``day``."""
    return datetime.combine(day + timedelta(days=days), time(12, 0), tzinfo=UTC)


# --- What an answer may be ---------------------------------------------------------------------


@dataclass(frozen=True)
class Allowed:
    """The statuses a request may answer; ``to_login``: its 302 must lead to the log-in page."""

    name: str
    statuses: frozenset[int]
    to_login: bool = False
    success: bool = False  # the person may do this: the request may change things

    def __repr__(self) -> str:
        return self.name


# 302: post/redirect/get after a POST, or a page sending someone where they belong.
OK = Allowed("OK", frozenset({200, 302}), success=True)
PUBLIC = Allowed("PUBLIC", frozenset({200}), success=True)
LOGIN = Allowed("LOGIN", frozenset({302}), to_login=True)
FORBIDDEN = Allowed("FORBIDDEN", frozenset({403}))
HIDDEN = Allowed("HIDDEN", frozenset({404}))  # someone else's: not even its existence shows
CLOSED = Allowed("CLOSED", frozenset({409}))  # registration is closed: nothing to apply to
GONE = Allowed("GONE", frozenset({410}))  # a link that no longer works

ROLES = (
    "anonymous",
    "participant",
    "waitlisted",
    "facilitator",
    "reviewer",
    "other organiser",
    "organiser",
    "admin",
    "cancelled",
    "elsewhere",
)
# Given in every line; the last two follow the waitlisted participant's unless a line says.
LISTED = ROLES[:8]


def row(*allowed: Allowed, **others: Allowed) -> dict[str, Allowed]:
    """One line of the table, in the order of ROLES; ``cancelled=`` and ``elsewhere=`` where
    they differ from the waitlisted participant."""
    assert len(allowed) == len(LISTED)
    line = dict(zip(LISTED, allowed, strict=True))
    assert set(others) <= {"cancelled", "elsewhere"}, others
    for role in ("cancelled", "elsewhere"):
        line[role] = others.get(role, line["waitlisted"])
    return line


# The usual lines. Columns: anonymous, participant, waitlisted, facilitator, reviewer, other
# organiser, organiser, admin; then a participant whose registration here was cancelled and one
# confirmed in another course only. The waitlisted and cancelled participants are registered but
# not (or no longer) taking part: like anyone signed in, they see nothing that is the course's
# participants' own. The reviewer is on the course's team for the selection only: every other
# page treats them as anyone signed in without a registration there.
EVERYONE = row(PUBLIC, PUBLIC, PUBLIC, PUBLIC, PUBLIC, PUBLIC, PUBLIC, PUBLIC)
# Sent on to another site (a session to Google Calendar's or Outlook's page), whoever asks.
SENT_ON = Allowed("SENT_ON", frozenset({302}), success=True)
EVERYONE_SENT_ON = row(SENT_ON, SENT_ON, SENT_ON, SENT_ON, SENT_ON, SENT_ON, SENT_ON, SENT_ON)
ANYONE = row(OK, OK, OK, OK, OK, OK, OK, OK)  # log-in and sign-up send signed-in people home
SIGNED_IN = row(LOGIN, OK, OK, OK, OK, OK, OK, OK)
ADMINS = row(LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK)
# Who may create courses.
ORGANISERS = row(LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, OK, OK)
# Of this course.
MANAGERS = row(LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, OK)
TEAM = row(LOGIN, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN, OK, OK)  # facilitators too
REVIEWERS = row(LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN, OK, OK)  # and managers
OWNER = row(LOGIN, OK, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN)  # the participant's own
OWNER_AND_MANAGERS = row(LOGIN, OK, HIDDEN, HIDDEN, HIDDEN, HIDDEN, OK, OK)
# An applicant's document: theirs, and the course's organisers' and reviewers'; to anyone else,
# signed in or not, it does not exist.
DOCUMENT_READERS = row(HIDDEN, OK, HIDDEN, HIDDEN, OK, HIDDEN, OK, OK)
# A hand-in's file: its participant's, and the course team's (not its reviewers').
HANDIN_READERS = row(HIDDEN, OK, HIDDEN, OK, HIDDEN, HIDDEN, OK, OK)
# A participants-only material's file: the course's confirmed participants and its team (not
# reviewers); to anyone else it does not exist.
MATERIAL_READERS = row(HIDDEN, OK, HIDDEN, OK, HIDDEN, HIDDEN, OK, OK)
CONFIRMED_AND_TEAM = row(LOGIN, OK, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN, OK, OK)
CONFIRMED_ONLY = row(LOGIN, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN)


class ByMethod(dict[str, dict[str, Allowed]]):
    """Lines that differ by method: ``ByMethod(GET=..., POST=...)`` (HEAD follows GET)."""


# Every endpoint but ``static``: one line for all its methods, or ``ByMethod(...)``.
EXPECTED: dict[str, dict[str, Allowed] | ByMethod] = {
    "accounts.change_email": SIGNED_IN,
    "accounts.change_password": SIGNED_IN,
    "accounts.change_role": ADMINS,
    "accounts.deactivate_user": ADMINS,
    # The token in the URL is the key: the button signs in the new account, or changes the
    # address of the account that asked, whoever presses it.
    "accounts.confirm_email_change": ByMethod(GET=EVERYONE, POST=ANYONE),
    "accounts.confirm_signup": ByMethod(GET=EVERYONE, POST=ANYONE),
    "accounts.login": ANYONE,
    "accounts.logout": ANYONE,
    "accounts.profile": SIGNED_IN,
    "accounts.reactivate_user": ADMINS,
    "accounts.reset_password": EVERYONE,  # the token in the URL is the key
    "accounts.reset_request": EVERYONE,
    "accounts.signup": ANYONE,
    "accounts.signup_sent": EVERYONE,
    "accounts.users": ADMINS,
    # The code page after the password: without a pending log-in it sends to the log-in page
    # (as SIGNED_IN's LOGIN), a signed-in person home.
    "twofactor.verify": SIGNED_IN,
    "twofactor.status": SIGNED_IN,
    "twofactor.setup": SIGNED_IN,
    "twofactor.regenerate": SIGNED_IN,
    "twofactor.disable": SIGNED_IN,
    "twofactor.admin_settings": ADMINS,
    "audit.index": ADMINS,
    # The participant's own consent on their registration: anyone else's is "not found".
    "alumni.consent": OWNER,
    # The course is over: the invitation is refused with a message, for those who may send it.
    "alumni.invite": MANAGERS,
    # Privacy: one's own data (export, erasure request), the public notice, the
    # administrators' erasures and notice versions, a course's retention periods.
    "privacy.account": SIGNED_IN,
    "privacy.admin_notice": ADMINS,
    "privacy.admin_requests": ADMINS,
    "privacy.carry_out": ADMINS,
    "privacy.course_retention": MANAGERS,
    "privacy.export_data": SIGNED_IN,  # always the signed-in person's own data
    "privacy.notice": EVERYONE,
    "privacy.request_erasure": SIGNED_IN,
    "announcements.edit": MANAGERS,
    "announcements.manage": MANAGERS,
    "announcements.withdraw": MANAGERS,
    "applications.delete": MANAGERS,
    "applications.document": DOCUMENT_READERS,
    "applications.edit": MANAGERS,
    "applications.index": MANAGERS,
    "applications.move": MANAGERS,
    # The course asks questions, but the participant's application is decided: sent back.
    "applications.my_answers": OWNER,
    "applications.new": MANAGERS,
    "applications.restore": MANAGERS,
    "applications.retire": MANAGERS,
    "certificates.course_overview": MANAGERS,
    "certificates.design": MANAGERS,
    "certificates.download": OWNER_AND_MANAGERS,
    "certificates.issue_all": MANAGERS,
    "certificates.lookup": EVERYONE,
    "certificates.reinstate": MANAGERS,
    "certificates.revoke": MANAGERS,
    "certificates.verify": EVERYONE,  # the code is the secret
    # The course team's check-in page and badges; the walk's course is over, so a check-in
    # says so and goes back to the page.
    "checkin.badges": TEAM,
    "checkin.by_code": TEAM,
    "checkin.page": TEAM,
    "checkin.person": TEAM,
    "core.healthz": EVERYONE,
    "core.set_language": ANYONE,
    "courses.copy": MANAGERS,
    "courses.edit": MANAGERS,
    "courses.edit_modules": MANAGERS,
    "catalogue.index": EVERYONE,
    "courses.manage": ORGANISERS,
    "courses.new": ORGANISERS,
    "courses.remove_team_member": MANAGERS,
    "courses.show": EVERYONE,
    "courses.team": MANAGERS,
    "desk.act": MANAGERS,
    "discussions.digest_setting": CONFIRMED_AND_TEAM,
    # The author's own post, in the edit window; nobody else edits it.
    "discussions.edit_post": row(
        LOGIN, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN
    ),
    "discussions.hide_post": TEAM,
    "discussions.index": CONFIRMED_AND_TEAM,
    # The follow-up phase is over: the participant reads but no longer posts; the team may.
    "discussions.new_topic": row(LOGIN, CLOSED, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN, OK, OK),
    "discussions.participation": TEAM,
    "discussions.reply": row(LOGIN, CLOSED, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN, OK, OK),
    "discussions.thread": CONFIRMED_AND_TEAM,
    "discussions.unhide_post": TEAM,
    # The signed token in the mail is the key; no log-in needed.
    "discussions.unsubscribe": ByMethod(GET=EVERYONE, POST=ANYONE),
    "endorsement.endorser": OWNER,  # decided: sent back to My courses
    "endorsement.respond": EVERYONE,  # the link's secret is the key; no account needed
    "endorsement.waive": MANAGERS,  # nothing to waive for a decided registration: sent back
    "desk.attendance": TEAM,
    "desk.bulk": MANAGERS,
    "desk.documents_zip": MANAGERS,
    "desk.export_csv": TEAM,
    "desk.export_xlsx": TEAM,
    "desk.index": TEAM,
    "desk.public_list": CONFIRMED_AND_TEAM,
    "desk.show": TEAM,
    "desk.sign_in_sheet": TEAM,
    "desk.special_needs": TEAM,
    "desk.summary": TEAM,
    # The evaluation is open (its questions locked): editing them is refused with a message.
    "evaluation.add_modules": MANAGERS,
    "evaluation.answer": CONFIRMED_ONLY,
    "evaluation.close_now": MANAGERS,
    "evaluation.create": MANAGERS,
    "evaluation.delete_question": MANAGERS,
    "evaluation.edit_question": MANAGERS,
    "evaluation.manage": MANAGERS,
    "evaluation.move_question": MANAGERS,
    "evaluation.new_question": MANAGERS,
    "evaluation.open_now": MANAGERS,
    "evaluation.settings": MANAGERS,
    "feeds.course": EVERYONE,
    # Fees, the cancellation policy, funders and awards (app/finance/routes.py); the billing
    # details are the participant's own.
    "finance.award": MANAGERS,
    "finance.billing": OWNER,
    "finance.delete_fund": MANAGERS,
    "finance.edit_fund": MANAGERS,
    "finance.fees": MANAGERS,
    "finance.fellowships_page": MANAGERS,
    "finance.policy": MANAGERS,
    "finance.withdraw": MANAGERS,
    "feeds.links": SIGNED_IN,
    "feeds.private": EVERYONE,  # the token is the secret
    "feeds.programme": EVERYONE,
    "feeds.revoke": OWNER,
    "feeds.session": EVERYONE,
    "feeds.session_add": EVERYONE_SENT_ON,
    "followup.delete_activity": MANAGERS,
    "followup.edit_activity": MANAGERS,
    "followup.give_feedback": TEAM,
    "followup.handin_file": HANDIN_READERS,
    "followup.handins_overview": TEAM,
    "followup.manage": MANAGERS,
    "followup.move_activity": MANAGERS,
    "followup.my_work": CONFIRMED_ONLY,
    "followup.new_activity": MANAGERS,
    "followup.reset_phase": MANAGERS,
    "followup.set_completion": MANAGERS,
    "followup.submissions": TEAM,
    "followup.submissions_zip": TEAM,
    "followup.submit_work": CONFIRMED_ONLY,
    "materials.delete": TEAM,
    "materials.download": MATERIAL_READERS,
    "materials.download_all": EVERYONE,  # each gets the files they may see
    "materials.edit": TEAM,
    "materials.index": EVERYONE,  # each sees the materials they may see
    "materials.manage": TEAM,
    "materials.move": TEAM,
    # The organisers' own mail (app/messages/routes.py).
    # Money: the course's organisers; a participant's own documents, to nobody else.
    "invoices.cancel": MANAGERS,
    "invoices.export_invoices": MANAGERS,
    "invoices.export_payments": MANAGERS,
    "invoices.index": MANAGERS,
    "invoices.issue": MANAGERS,
    "invoices.my_pdf": OWNER,
    "invoices.pdf": MANAGERS,
    "invoices.record_payment": MANAGERS,
    "invoices.show": MANAGERS,
    "messages.cancel": MANAGERS,
    "messages.compose": MANAGERS,
    "messages.index": MANAGERS,
    "messages.show": MANAGERS,
    "modules.edit": ADMINS,
    "modules.index": EVERYONE,
    "modules.new": ADMINS,
    "modules.restore": ADMINS,
    "modules.retire": ADMINS,
    "modules.show": EVERYONE,
    "programmes.delete": ADMINS,
    "programmes.edit": ADMINS,
    "programmes.index": EVERYONE,
    "programmes.new": ADMINS,
    "programmes.show": EVERYONE,
    "progress.matrix": TEAM,
    "ratings.rate": CONFIRMED_ONLY,
    "ratings.settings": MANAGERS,
    "ratings.today": CONFIRMED_ONLY,
    "results.compare": TEAM,
    "results.export_csv": TEAM,
    "results.show": TEAM,
    "registration.accept_offer": OWNER,
    # The course is over: the registered are sent to their registration, others told it closed
    # (so is whoever cancelled: they could apply again, were it open).
    "registration.apply": ByMethod(
        GET=row(
            PUBLIC,
            OK,
            OK,
            PUBLIC,
            PUBLIC,
            PUBLIC,
            PUBLIC,
            PUBLIC,
            elsewhere=PUBLIC,
            cancelled=PUBLIC,
        ),
        POST=row(
            CLOSED,
            OK,
            OK,
            CLOSED,
            CLOSED,
            CLOSED,
            CLOSED,
            CLOSED,
            elsewhere=CLOSED,
            cancelled=CLOSED,
        ),
    ),
    "registration.cancel": OWNER,
    # A sign-up made while applying: the account is made, the application meets the closed
    # course and the form page says why.
    "registration.confirm_signup": ByMethod(GET=EVERYONE, POST=ANYONE),
    "registration.decline_offer": OWNER,
    "registration.my_courses": SIGNED_IN,
    "registration.needs": OWNER,
    "schedule.cancel_session": MANAGERS,
    "schedule.delete_session": MANAGERS,
    "schedule.edit_session": MANAGERS,
    "schedule.new_session": MANAGERS,
    "schedule.propose": MANAGERS,
    "schedule.restore_session": MANAGERS,
    "schedule.timetable": MANAGERS,
    "selection.criteria": MANAGERS,
    "selection.decide": MANAGERS,
    "selection.delete_criterion": MANAGERS,
    "selection.edit_criterion": MANAGERS,
    "selection.index": REVIEWERS,
    "selection.move_criterion": MANAGERS,
    "selection.restore_criterion": MANAGERS,
    "selection.retire_criterion": MANAGERS,
    "selection.review": REVIEWERS,
    # Signed-in sessions (app/sessions/routes.py): one's own list and buttons; a session of the
    # participant's, ended by anyone else, is not found; administrators end a person's all.
    "sessions.end": OWNER,
    "sessions.end_for_user": ADMINS,
    "sessions.end_others": SIGNED_IN,
    "sessions.index": SIGNED_IN,
    "venues.edit": ADMINS,
    "venues.index": ADMINS,
    "venues.new": ADMINS,
    # Invitation letters for visas (app/visas/routes.py): the participant's own request (the
    # walk's course is over: a new request is refused with a message, the issued letter cannot
    # be withdrawn), the letter's PDF for them and the organisers, the organisers' tab (passport
    # details: never facilitators or reviewers), and the public verification page.
    "visas.decline": MANAGERS,
    "visas.download": OWNER_AND_MANAGERS,
    "visas.index": MANAGERS,
    "visas.issue": MANAGERS,
    "visas.issue_all": MANAGERS,
    "visas.my_request": OWNER,
    "visas.revoke": MANAGERS,
    "visas.show": MANAGERS,
    "visas.verify": EVERYONE,  # the code is the secret
    "visas.withdraw": OWNER,
}

SKIPPED = {"static"}


def expected(endpoint: str, method: str, role: str) -> Allowed:
    line = EXPECTED[endpoint]
    if isinstance(line, ByMethod):
        line = line["GET" if method == "HEAD" else method]
    return line[role]


# --- The world ----------------------------------------------------------------------------------


@dataclass
class World:
    user_ids: dict[str, int]
    # The value of each URL argument by its name, and where a name means something else in
    # some blueprint or endpoint (``slug`` of a programme, ``code`` of a certificate).
    arguments: dict[str, Any]
    overrides: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Minimal valid forms, so a request that slipped through would really change something.
    forms: dict[str, dict[str, Any]] = field(default_factory=dict)

    def values(self, rule: Rule) -> dict[str, Any]:
        blueprint = rule.endpoint.partition(".")[0]
        found = {}
        for name in rule.arguments:
            for source in (
                self.overrides.get(rule.endpoint, {}),
                self.overrides.get(blueprint, {}),
                self.arguments,
            ):
                if name in source:
                    found[name] = source[name]
                    break
            else:
                pytest.fail(f"nothing in the world for <{name}> of {rule.endpoint}: add it")
        return found


RESET_TOKEN = "a-reset-link-of-the-participant"
SIGNUP_TOKEN = "a-sign-up-link-of-a-visitor"
APPLY_SIGNUP_TOKEN = "a-sign-up-link-of-a-visitor-applying"
EMAIL_CHANGE_TOKEN = "a-new-address-link-of-the-participant"
ENDORSE_TOKEN = "an-endorsement-link-of-an-applicant"
OTHER_SLUG = "other-course"
COURSE_TITLE = "Walkabout course on local migration governance"


def build_world() -> World:
    organiser = make_user(Role.ORGANISER, name="Olga Organiser")
    facilitator = make_user(Role.PARTICIPANT, name="Fatou Facilitator")
    reviewer = make_user(Role.PARTICIPANT, name="Rania Reviewer")
    other_organiser = make_user(Role.ORGANISER, name="Otto Other-Organiser")
    participant = make_user(Role.PARTICIPANT, name="Ana Participant")
    other_participant = make_user(Role.PARTICIPANT, name="Bruno Other-Participant")
    cancelled = make_user(Role.PARTICIPANT, name="Ana Cancelled")
    elsewhere = make_user(Role.PARTICIPANT, name="Ana Elsewhere")
    admin = make_user(Role.ADMIN, name="Ada Admin")

    module = make_module("M1", title="Migration and local development")
    programme = make_programme("joint-programme")
    course = make_course(
        slug="governing-2017",
        title=COURSE_TITLE,
        start=date(2017, 11, 20),
        venue=make_venue("Europe/Rome"),
        organisers=(organiser,),
        facilitators=(facilitator,),
        modules=(module,),
    )
    course.programme = programme
    course.team.append(CourseTeamMember(user=reviewer, role=TeamRole.REVIEWER))
    apply_followup_defaults(course)
    sessions = propose_timetable(course, room=course.venue.rooms[0])
    other_course = make_course(
        slug=OTHER_SLUG, title="Another course", organisers=(other_organiser,)
    )
    make_registration(other_course, elsewhere)
    assignment = create_activity(
        course,
        ActivityData(
            kind=ActivityKind.ASSIGNMENT,
            title="Local action plan",
            due_date=date(2017, 12, 20),
            is_required=True,
        ),
        actor=organiser,
    )

    question = create_question(
        course,
        QuestionData(
            kind=QuestionKind.SINGLE_CHOICE,
            texts={"en": TextData("Which region do you work in?")},
            options=(OptionData({"en": "Africa"}), OptionData({"en": "Europe"})),
        ),
        actor=organiser,
    )
    criterion = create_criterion(
        course,
        CriterionData({"en": CriterionTextData("Relevance of the job")}),
        actor=organiser,
    )
    registration = make_registration(course, participant)
    cv = create_question(
        course,
        QuestionData(kind=QuestionKind.FILE, texts={"en": TextData("Curriculum vitae")}),
        actor=organiser,
    )
    db.session.add(
        Answer(
            registration=registration,
            question=cv,
            file=store_upload(FileStorage(io.BytesIO(pdf()), filename="cv.pdf"), actor=participant),
        )
    )
    waitlisted = make_registration(course, other_participant, status=RegistrationStatus.WAITLISTED)
    make_registration(course, cancelled, status=RegistrationStatus.CANCELLED)
    for day in course.day_dates[:4]:
        registration.attendance.append(Attendance(day=day, is_present=True))
    handed_in = work.ensure_submission(registration, assignment)
    plan = store_upload(
        FileStorage(io.BytesIO(pdf("Plan")), filename="plan.pdf"), actor=participant
    )
    version = SubmissionVersion(number=1, text="My plan", submitted_at=now_utc())
    version.files.append(SubmissionFile(stored_file=plan))
    handed_in.versions.append(version)
    work.mark_complete(handed_in, actor=organiser)
    certificate = issue_certificate(registration, actor=organiser)
    feed_token, raw_feed_token = create_feed_token(participant, FeedKind.PERSONAL, "Phone")
    db.session.add(
        PasswordResetToken(
            user=participant,
            token_hash=hashlib.sha256(RESET_TOKEN.encode()).hexdigest(),
            expires_at=now_utc() + timedelta(hours=1),
        )
    )
    for raw, extra in (
        (SIGNUP_TOKEN, {"email": "new.visitor@example.org"}),
        (APPLY_SIGNUP_TOKEN, {"email": "new.applicant@example.org", "course_id": course.id}),
        (EMAIL_CHANGE_TOKEN, {"email": "ana.new@example.org", "user_id": participant.id}),
    ):
        db.session.add(
            EmailConfirmation(
                purpose=(
                    ConfirmationPurpose.EMAIL_CHANGE
                    if "user_id" in extra
                    else ConfirmationPurpose.SIGNUP
                ),
                token_hash=hashlib.sha256(raw.encode()).hexdigest(),
                expires_at=now_utc() + timedelta(hours=1),
                name="Nadia New",
                password_hash="pbkdf2:sha256:1000$x$y",
                application=[["certificate_name", "Nadia New"]],
                **extra,
            )
        )
    # An application waiting for its employer's endorsement (the endorser's link).
    course.requires_endorsement = True
    awaiting = make_registration(
        course, make_user(name="Edu Endorsee"), status=RegistrationStatus.SUBMITTED
    )
    db.session.add(
        Endorsement(
            registration=awaiting,
            endorser_name="Marta Rossi",
            endorser_position="Head of office",
            endorser_email="marta.rossi@example.org",
            token_hash=hashlib.sha256(ENDORSE_TOKEN.encode()).hexdigest(),
            expires_at=now_utc() + timedelta(days=7),
        )
    )
    # A discussion with the participant's post (just written: in its edit window).
    discussion = create_activity(
        course,
        ActivityData(kind=ActivityKind.DISCUSSION, title="Sharing your action plans"),
        actor=organiser,
    )
    post = DiscussionPost(activity_id=discussion.id, author_id=participant.id, body="Hello")
    db.session.add(post)
    # The end-of-course evaluation, open (until far ahead), one question of it named below;
    # the results pages and their CSV read it too.
    evaluation = create_evaluation(course, actor=organiser)
    evaluation.closes_on = date(2099, 12, 31)
    open_evaluation(evaluation, actor=organiser, now=now_utc())
    evaluation_question = evaluation.questions[0]
    handbook = add_material(
        course,
        MaterialData(
            title="Participants' handbook",
            place=f"session:{sessions[1].id}",
            upload=FileStorage(io.BytesIO(pdf("Handbook")), filename="handbook.pdf"),
        ),
        actor=facilitator,
        now=now_utc(),
    )
    add_material(
        course,
        MaterialData(title="Glossary", visibility="public", url="https://example.org/glossary"),
        actor=organiser,
        now=now_utc(),
    )
    [facilitator_member] = [m for m in course.team if m.user_id == facilitator.id]
    announcement = post_announcement(
        course, title="Room change", body="Wednesday in room B.", actor=organiser
    )
    # Fees, and an invoice for part of them: more is left to invoice, and to pay on it.
    set_fees(
        course,
        currency="EUR",
        tuition=Decimal("2450"),
        subsistence=Decimal("1150.50"),
        actor=organiser,
    )
    # A funder and the participant's partial fellowship, so that each finance route changes
    # something.
    fund = finance_fellowships.save_fund(
        course, funder="SDC", full_count=3, partial_count=3, budget=None, actor=organiser
    )
    finance_fellowships.award(
        registration, fund, FellowshipKind.PARTIAL, amount=Decimal("900"), actor=organiser
    )
    invoice = invoice_services.issue(
        registration,
        kind=DocumentKind.INVOICE,
        amount=Decimal("1000.00"),
        billing=invoice_services.default_billing(registration),
        actor=organiser,
    )
    # A message waiting for its time, so that cancelling it would change something.
    message = compose_message(
        course,
        {"en": Version("Bus to the study visit", "Dear {first_name}, the bus leaves at 8:15.")},
        [registration],
        actor=organiser,
        now=now_utc(),
        send_at=now_utc() + timedelta(days=30),
    )
    # Invitation letters: the participant's, issued; another confirmed participant's, pending.
    letter = request_letter(
        registration, VISA_DETAILS, actor=participant, now=date_utc(course.start_date, -30)
    )
    issue_letter(letter, actor=organiser, now=date_utc(course.start_date, -20))
    vera = make_registration(course, make_user(name="Vera Visa"))
    pending_letter = request_letter(
        vera, VISA_DETAILS, actor=vera.user, now=date_utc(course.start_date, -30)
    )
    erasure_request = ErasureRequest(user_id=vera.user_id)
    db.session.add(erasure_request)
    # A session of the participant's on another browser (the walk signs in with its own).
    participant_phone = start_session(participant, remember=True, user_agent="phone").session
    db.session.commit()

    return World(
        user_ids={
            "participant": participant.id,
            "waitlisted": other_participant.id,
            "cancelled": cancelled.id,
            "elsewhere": elsewhere.id,
            "facilitator": facilitator.id,
            "reviewer": reviewer.id,
            "other organiser": other_organiser.id,
            "organiser": organiser.id,
            "admin": admin.id,
        },
        arguments={
            "slug": course.slug,
            "session_id": sessions[1].id,
            "activity_id": assignment.id,
            "registration_id": registration.id,
            "member_id": facilitator_member.id,
            "day": course.start_date,
            "user_id": participant.id,
            "venue_id": course.venue_id,
            "code": module.code,
            "token_id": feed_token.id,
            "question_id": question.id,
            "criterion_id": criterion.id,
            "post_id": post.id,
            "material_id": handbook.id,
            "announcement_id": announcement.id,
            "certificate_id": certificate.id,
            "message_id": message.id,
            "fund_id": fund.id,
            "invoice_id": invoice.id,
            "fmt": "csv",
            "service": "google",
            "visa_request_id": letter.id,
            "request_id": erasure_request.id,
            "user_session_id": participant_phone.id,
        },
        overrides={
            "programmes": {"slug": programme.slug},
            "feeds.programme": {"slug": programme.slug},
            "certificates.verify": {"code": format_code(certificate.code)},
            "feeds.private": {"token": raw_feed_token},
            "accounts.reset_password": {"token": RESET_TOKEN},
            "accounts.confirm_signup": {"token": SIGNUP_TOKEN},
            "accounts.confirm_email_change": {"token": EMAIL_CHANGE_TOKEN},
            "registration.confirm_signup": {"token": APPLY_SIGNUP_TOKEN},
            "endorsement.respond": {"token": ENDORSE_TOKEN},
            "applications.document": {"question_id": cv.id},
            "discussions": {"activity_id": discussion.id},
            "discussions.unsubscribe": {"token": unsubscribe_token(participant, course)},
            "evaluation": {"question_id": evaluation_question.id},
            "followup.handin_file": {"file_id": plan.id},
            "visas.verify": {"code": format_code(letter.code)},
            "visas.issue": {"visa_request_id": pending_letter.id},
            "visas.decline": {"visa_request_id": pending_letter.id},
        },
        forms={
            "accounts.change_role": {"role": Role.ADMIN.value},
            "accounts.change_email": {
                "email": "ana.elsewhere@example.org",
                "current_password": PASSWORD,
            },
            "alumni.consent": {"give": "1"},
            "announcements.manage": {"body": "The bus leaves at 08:30."},
            "announcements.edit": {"title": "Room change", "body": "Wednesday in room C."},
            "certificates.design": {"signatory_name": "Olga Organiser", "submit": "Save"},
            "certificates.issue_all": {"as_zip": "1"},
            "certificates.revoke": {"reason": "Attendance sheet signed by someone else"},
            "applications.new": {"kind": "yes_no", "text_en-label": "Do you need a visa?"},
            "applications.edit": {
                "kind": "single_choice",
                "text_en-label": "Which region do you work in?",
                "options-0-option_id": str(question.options[0].id),
                "options-0-label_en": "Africa",
                "options-1-option_id": str(question.options[1].id),
                "options-1-label_en": "Europe",
                "options-2-label_en": "Asia and the Pacific",
            },
            "applications.move": {"direction": "up"},
            "applications.my_answers": {f"question_{question.id}": str(question.options[1].id)},
            "selection.criteria": {"text_en-label": "Motivation"},
            "selection.decide": {"decision": "reject", "registration_ids": [waitlisted.id]},
            "selection.edit_criterion": {"text_en-label": "Relevance of the position"},
            "selection.move_criterion": {"direction": "down"},
            "selection.review": {f"score_{criterion.id}": "4", "comment": "A strong profile."},
            "courses.team": {"email": participant.email, "role": "organiser"},
            "courses.copy": {"start_date": "2018-11-19", "slug": "governing-2018"},
            "desk.act": {"action": "cancel"},
            "discussions.digest_setting": {"turn_off": "Stop the daily digest"},
            "discussions.edit_post": {"body": "Hello again"},
            "discussions.new_topic": {"body": "A new topic"},
            "discussions.reply": {f"reply-{post.id}-body": "A reply"},
            "discussions.unsubscribe": {"turn_off": "Stop the daily digest"},
            "endorsement.endorser": {
                "endorser_name": "Ugo Bassi",
                "endorser_position": "Mayor",
                "endorser_email": "ugo@example.org",
            },
            "endorsement.respond": {"comment": "Yes.", "endorse": "y"},
            "endorsement.waive": {"note": "Known to the team"},
            "desk.bulk": {"action": "cancel", "registration_ids": [registration.id, waitlisted.id]},
            "evaluation.answer": {
                f"q{q.id}": "4" for q in evaluation.questions if q.kind.value == "rating"
            },
            "evaluation.move_question": {"direction": "down"},
            "evaluation.settings": {
                "is_anonymous": "y",
                "closes_on": "2099-12-30",
                "reminder_days_before_close": "3",
            },
            "feeds.links": {"kind": FeedKind.PERSONAL.value, "label": "Laptop"},
            "followup.move_activity": {"direction": "down"},
            "materials.manage": {
                "title": "Reading list",
                "url": "https://example.org/reading",
                "visibility": "public",
            },
            "materials.edit": {"title": "Handbook 2017", "visibility": "public"},
            "materials.move": {"direction": "down"},
            "messages.compose": {
                "started": "1",
                "subject_en": "Reading for Monday",
                "body_en": "Chapter 2, {first_name}.",
                "send": "Send",
            },
            "followup.set_completion": {"state": "incomplete"},
            "followup.give_feedback": {
                f"feedback-{registration.id}-version_id": str(version.id),
                f"feedback-{registration.id}-decision": "returned",
                f"feedback-{registration.id}-comment": "Add a budget.",
            },
            "followup.submit_work": {f"activity-{assignment.id}-text": "My plan"},
            "ratings.rate": {f"session-{sessions[1].id}-score": "4"},
            "ratings.settings": {"is_enabled": "y", "submit": "Save"},
            "registration.needs": {"diet": "Vegetarian", "accessibility": "Step-free access"},
            "finance.fees": {"currency": "EUR", "tuition": "2500", "subsistence": "1000"},
            "finance.policy": {"rules-0-days_before": "30", "rules-0-percent": "50"},
            "finance.fellowships_page": {"funder": "UNDP", "full_count": "2"},
            "finance.edit_fund": {"funder": "SDC", "full_count": "5", "partial_count": "4"},
            "finance.award": {
                f"r{registration.id}-fund": str(fund.id),
                f"r{registration.id}-kind": "full",
            },
            "finance.billing": {"payer_kind": "participant", "billing_email": "ana@example.org"},
            "invoices.issue": {
                "kind": "invoice",
                "amount": "100.00",
                "payer_kind": "employer",
                "billing_name": "Municipality of Recife",
            },
            "invoices.record_payment": {
                "amount": "10.00",
                "paid_on": now_utc().date().isoformat(),
                "method": "bank_transfer",
            },
            "invoices.cancel": {"reason": "Addressed to the wrong payer"},
            "visas.my_request": {
                "passport_name": "Ana Participant",
                "passport_number": "AP1234567",
                "nationality": "BR",
                "birth_date": "1985-02-03",
                "consulate_city": "Brasília",
                "consulate_country": "BR",
                "language": "en",
            },
            "visas.decline": {"reason": "The passport number is incomplete."},
            "visas.revoke": {"reason": "Issued by mistake."},
            "privacy.request_erasure": {"confirm": "y"},
            "privacy.carry_out": {f"r{erasure_request.id}-confirm": "y"},
            "privacy.admin_notice": {"body": "We keep your data while you take part."},
            "privacy.course_retention": {"document_days": "30", "special_needs_days": ""},
        },
    )


def _row_text(table: sa.Table) -> sa.ColumnElement[str]:
    """A row of ``table`` as one string (NULL spelled out), so that rows compare as text."""
    parts = [sa.func.coalesce(sa.cast(column, sa.Text), "<null>") for column in table.columns]
    return functools.reduce(lambda left, right: left + "|" + right, parts)


@functools.cache
def _all_rows() -> sa.CompoundSelect:
    """(table name, row as text) of every row of every table, in one query; built once."""
    return sa.union_all(
        *(
            sa.select(sa.literal_column(f"'{table.name}'").label("name"), _row_text(table))
            for table in db.metadata.sorted_tables
        )
    )


def snapshot() -> dict[str, list[str]]:
    """Every row of every table, as text (the walk takes hundreds of these)."""
    found: dict[str, list[str]] = {table.name: [] for table in db.metadata.sorted_tables}
    for name, text in db.session.execute(_all_rows()):
        found[name].append(text)
    return {name: sorted(texts) for name, texts in found.items()}


def changes(before: dict[str, list[str]], after: dict[str, list[str]]) -> list[str]:
    return [name for name in before if before[name] != after[name]]


# --- The walk -----------------------------------------------------------------------------------


def walked_rules(app: Flask) -> Iterator[Rule]:
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint, r.rule)):
        if rule.endpoint not in SKIPPED:
            yield rule


def methods(rule: Rule) -> list[str]:
    return sorted((rule.methods or set()) - {"OPTIONS"})


def test_every_route_is_in_the_table(app):
    endpoints = {rule.endpoint for rule in walked_rules(app)}
    missing = sorted(endpoints - EXPECTED.keys())
    assert not missing, "; ".join(f"add {endpoint} to EXPECTED" for endpoint in missing)
    stale = sorted(EXPECTED.keys() - endpoints)
    assert not stale, f"no route any more for {stale}: remove them from EXPECTED"


class Walker:
    """Sends the walk's requests as one role and collects what differs from the table.

    While it walks, ``db.session.commit`` only flushes (and is counted) and every request is
    rolled back afterwards: each request meets the world as built."""

    def __init__(self, app: Flask, world: World, role: str, monkeypatch: pytest.MonkeyPatch):
        self.app = app
        self.world = world
        self.role = role
        self.adapter = app.url_map.bind("atelier.test")
        # One session per role, started before the snapshot: each request signs in with it.
        self.key = None
        if role != "anonymous":
            self.key = session_key(db.session.get_one(User, world.user_ids[role]))
        self.before = snapshot()
        self.commits = 0
        self.requests = 0
        self.failures: list[str] = []
        flush = db.session.flush

        def commit() -> None:
            self.commits += 1
            flush()

        monkeypatch.setattr(db.session, "commit", commit)

    def path(self, rule: Rule, **replaced: Any) -> str:
        return self.adapter.build(rule.endpoint, {**self.world.values(rule), **replaced})

    def check(self, rule: Rule, method: str, path: str, allowed: Allowed) -> TestResponse:
        client = self.app.test_client()
        if self.role != "anonymous":
            login(client, db.session.get_one(User, self.world.user_ids[self.role]), self.key)
        self.commits = 0
        data = self.world.forms.get(rule.endpoint, {}) if method == "POST" else None
        response = client.open(path, method=method, data=data)
        response.get_data()
        response.close()  # a download holds its stored file open until closed
        self.requests += 1
        where = f"{self.role}: {method} {path} ({rule.endpoint})"
        status = response.status_code
        location = urlsplit(response.headers.get("Location", "")).path
        if status not in allowed.statuses:
            self.failures.append(f"{where} answered {status}, expected {allowed!r}")
        elif status == 302 and allowed.to_login != (location == "/login"):
            self.failures.append(f"{where} redirected to {location!r}, expected {allowed!r}")
        if not allowed.success and self.commits:
            self.failures.append(f"{where} committed although refused")
        if not allowed.success and method == "POST":
            changed = changes(self.before, snapshot())
            if changed:
                self.failures.append(f"{where} changed {', '.join(changed)} although refused")
        db.session.rollback()
        return response

    def report(self) -> None:
        assert self.requests, "nothing was walked"
        assert not self.failures, f"{len(self.failures)} of {self.requests} requests:\n" + (
            "\n".join(self.failures)
        )


@pytest.mark.parametrize("role", ROLES)
def test_each_route_answers_each_role_as_the_table_says(app, monkeypatch, role):
    walker = Walker(app, build_world(), role, monkeypatch)
    for rule in walked_rules(app):
        if rule.endpoint not in EXPECTED:
            walker.failures.append(f"add {rule.endpoint} to EXPECTED")
            continue
        path = walker.path(rule)
        for method in methods(rule):
            walker.check(rule, method, path, expected(rule.endpoint, method, role))
    walker.report()


def course_rules(app: Flask, world: World) -> Iterator[Rule]:
    """The rules whose ``<slug>`` is the course's."""
    for rule in walked_rules(app):
        if "slug" in rule.arguments and world.values(rule)["slug"] == world.arguments["slug"]:
            yield rule


OUTSIDERS = ["anonymous", "participant", "waitlisted", "cancelled", "elsewhere", "other organiser"]


@pytest.mark.parametrize("role", OUTSIDERS)
def test_a_draft_course_does_not_exist_outside_its_team(app, monkeypatch, role):
    """Unpublished, the course is "not found" for anyone outside its team, even for those who
    were registered (anonymous visitors are asked to log in first where the page needs it),
    and the public pages elsewhere (catalogue, module, programme, feeds) do not show it."""
    world = build_world()
    course = db.session.scalar(sa.select(Course).where(Course.slug == world.arguments["slug"]))
    course.status = CourseStatus.DRAFT
    db.session.commit()
    walker = Walker(app, world, role, monkeypatch)
    for rule in course_rules(app, world):
        path = walker.path(rule)
        for method in methods(rule):
            anonymous = expected(rule.endpoint, method, "anonymous")
            allowed = LOGIN if role == "anonymous" and anonymous is LOGIN else HIDDEN
            walker.check(rule, method, path, allowed)
    at_its_address = {rule.endpoint for rule in course_rules(app, world)}
    for rule in walked_rules(app):
        # A certificate or a visa letter it issued still proves what it proves: its code is
        # the secret.
        if rule.endpoint in at_its_address or rule.endpoint in (
            "certificates.verify",
            "visas.verify",
        ):
            continue
        # The endorser's link of an application to it: no longer needed, and says no more.
        if rule.endpoint == "endorsement.respond":
            response = walker.check(rule, "GET", walker.path(rule), GONE)
            if COURSE_TITLE in response.get_data(as_text=True):
                walker.failures.append(f"{role}: {rule.endpoint} shows the draft")
            continue
        if "GET" in methods(rule) and expected(rule.endpoint, "GET", role) is PUBLIC:
            response = walker.check(rule, "GET", walker.path(rule), PUBLIC)
            if COURSE_TITLE in response.get_data(as_text=True):
                walker.failures.append(f"{role}: {rule.endpoint} shows the draft")
    walker.report()


# A manager of the other course is no participant there: "my work" and rating a session refuse
# before they look up.
ANOTHER_COURSE_EXCEPTIONS = {"followup.submit_work": FORBIDDEN, "ratings.rate": FORBIDDEN}


@pytest.mark.parametrize("role", ["other organiser", "admin"])
def test_this_course_s_things_are_not_found_at_another_course_s_address(app, monkeypatch, role):
    """The other course's organiser (or an administrator) may manage it; naming this course's
    sessions, activities, registrations or team members under its address finds nothing."""
    walker = Walker(app, build_world(), role, monkeypatch)
    for rule in course_rules(app, walker.world):
        named = {
            "session_id",
            "activity_id",
            "registration_id",
            "member_id",
            "question_id",
            "criterion_id",
            "material_id",
            "announcement_id",
            "certificate_id",
            "visa_request_id",
        }
        if not rule.arguments & named:
            continue
        path = walker.path(rule, slug=OTHER_SLUG)
        for method in methods(rule):
            walker.check(rule, method, path, ANOTHER_COURSE_EXCEPTIONS.get(rule.endpoint, HIDDEN))
    walker.report()
