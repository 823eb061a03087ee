"""The selection of a course, from the first question to the decision: an organiser asks the
course's own questions (a choice and a document) in English and French, an applicant answers
them in French and uploads a PDF, the employer endorses from the mail's link, two reviewers
read the document and score the applications, and the organiser sorts by score and confirms."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.support import Translations
from playwright.sync_api import expect

from app.courses.models import CourseTeamMember, TeamRole
from app.registration.models import RegistrationStatus as S
from app.selection.models import CriterionText, SelectionCriterion
from tests.e2e.a11y import check_a11y
from tests.e2e.helpers import (
    ORGANISER_EMAIL,
    ORGANISER_PASSWORD,
    add_course,
    add_registration,
    add_user,
    body,
    get_user,
    log_in,
    outbox,
    registration_status,
)
from tests.storage.samples import pdf

pytestmark = pytest.mark.e2e

TRANSLATIONS = Path(__file__).resolve().parents[2] / "app" / "translations"
SLUG = "e2e-selection"
TITLE = "Migration data for local planning"
QUESTION = {
    "en": "Which part of the toolbox do you use?",
    "fr": "Quelle partie de la boîte à outils utilisez-vous ?",
}
OPTIONS = {
    "en": ["Module 1: the link", "Module 3: partnerships"],
    "fr": ["Module 1 : le lien", "Module 3 : les partenariats"],
}
DOCUMENT = {"en": "Letter of nomination", "fr": "Lettre de nomination"}
NOMINATION = pdf("Lettre de nomination - Awa Diop")
CRITERIA = (("Relevance of the job", "Pertinence du poste"), ("Motivation", "Motivation"))


def fr(message: str) -> str:
    return Translations.load(str(TRANSLATIONS), ["fr"]).gettext(message)


def _score(page, name: str, scores: tuple[int, int]) -> None:
    """A reviewer opens ``name``'s application from the list and saves a review."""
    page.goto(f"/courses/{SLUG}/selection")
    check_a11y(page)
    page.get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    check_a11y(page)
    if name == "Awa Diop":
        # The document is there to read, as it was sent; the endorsement beside it.
        document = page.get_by_role("link", name="nomination-awa-diop.pdf")
        answer = page.request.get(document.get_attribute("href"))
        assert answer.ok and answer.body() == NOMINATION
        assert answer.headers["content-disposition"].startswith("attachment")
        expect(page.locator("main")).to_contain_text("Awa dirige notre service depuis 2015.")
    for (criterion, _fr), score in zip(CRITERIA, scores, strict=True):
        page.get_by_role("group", name=criterion).get_by_label(str(score)).check()
    page.get_by_role("button", name="Save my review").click()
    expect(page.get_by_role("status").first).to_be_visible()
    check_a11y(page)


def test_a_course_selects_its_participants_by_score(page, new_page, database):
    with database.session() as s:
        organiser = get_user(s, ORGANISER_EMAIL)
        course = add_course(
            s,
            SLUG,
            TITLE,
            capacity=1,
            requires_approval=True,
            organiser=organiser,
            languages="en,fr",
        )
        course.requires_endorsement = True
        reviewers = [
            add_user(s, "Rosa Delgado", "rosa.delgado@example.org"),
            add_user(s, "Rosa Delgado Ortiz", "rosa.ortiz@example.org"),
        ]
        for reviewer in reviewers:
            s.add(CourseTeamMember(course=course, user=reviewer, role=TeamRole.REVIEWER))
        for position, (label_en, label_fr) in enumerate(CRITERIA):
            s.add(
                SelectionCriterion(
                    course=course,
                    position=position,
                    texts=[
                        CriterionText(locale="en", label=label_en),
                        CriterionText(locale="fr", label=label_fr),
                    ],
                )
            )
        add_user(s, "Awa Diop", "awa.diop@example.org", locale="fr")
        # Another applicant, who applied first and will be scored lower.
        rival = add_user(s, "Awa Diallo", "awa.diallo@example.org")
        add_registration(s, course, rival, S.SUBMITTED)

    # The organiser asks a choice question, in English and French.
    log_in(page, ORGANISER_EMAIL, ORGANISER_PASSWORD)
    page.goto(f"/courses/{SLUG}/questions")
    expect(page.get_by_role("heading", level=1)).to_have_text("Questions to applicants")
    check_a11y(page)
    page.get_by_label("Kind of answer").select_option(label="Single choice")
    page.get_by_role("button", name="Add a question").click()
    check_a11y(page)
    for locale, group in (("en", "In English"), ("fr", "In French")):
        page.get_by_role("group", name=group, exact=True).first.get_by_label("Question").fill(
            QUESTION[locale]
        )
    page.get_by_label("Required").check()
    rows = page.locator("fieldset.option-row")
    for row, (label_en, label_fr) in enumerate(zip(OPTIONS["en"], OPTIONS["fr"], strict=True)):
        rows.nth(row).get_by_label("In English").fill(label_en)
        rows.nth(row).get_by_label("In French").fill(label_fr)
    page.get_by_role("button", name="Save the question").click()
    expect(page.locator(".question-list")).to_contain_text(QUESTION["en"])
    check_a11y(page)
    # And a document: the letter by which the employer puts the applicant forward.
    page.get_by_label("Kind of answer").select_option(label="File upload")
    page.get_by_role("button", name="Add a question").click()
    check_a11y(page)
    for locale, group in (("en", "In English"), ("fr", "In French")):
        page.get_by_role("group", name=group, exact=True).first.get_by_label("Question").fill(
            DOCUMENT[locale]
        )
    page.get_by_label("Required").check()
    page.get_by_label("Largest file, in MB").fill("5")
    page.get_by_role("button", name="Save the question").click()
    expect(page.locator(".question-list")).to_contain_text(DOCUMENT["en"])
    expect(page.locator(".question-list")).to_contain_text("Up to 5 MB")
    check_a11y(page)

    # The applicant applies in French and answers it.
    applicant_page = new_page()
    log_in(applicant_page, "awa.diop@example.org")
    applicant_page.goto(f"/courses/{SLUG}/register")
    check_a11y(applicant_page)
    applicant_page.get_by_label(fr("Your name as it should appear on your certificate")).fill(
        "Awa Diop"
    )
    applicant_page.get_by_label(fr("Country of residence")).select_option("SN")
    applicant_page.get_by_label(fr("Nationality")).select_option("SN")
    applicant_page.get_by_label(fr("Organisation"), exact=True).fill("Commune de Saint-Louis")
    applicant_page.get_by_label(fr("Type of organisation")).select_option("local_government")
    applicant_page.get_by_label(fr("Job title"), exact=True).fill(
        "Cheffe du service de la migration"
    )
    applicant_page.get_by_label(fr("Why do you want to take part?")).fill(
        "Nous préparons un plan local sur la migration."
    )
    applicant_page.get_by_label(fr("How will your participation be funded?")).select_option(
        "employer"
    )
    question = applicant_page.get_by_role("group", name=QUESTION["fr"])
    question.get_by_label(OPTIONS["fr"][1]).check()
    applicant_page.get_by_label(DOCUMENT["fr"]).set_input_files(
        {"name": "nomination-awa-diop.pdf", "mimeType": "application/pdf", "buffer": NOMINATION}
    )
    applicant_page.get_by_label(fr("Endorser's name")).fill("Moussa Ndiaye")
    applicant_page.get_by_label(fr("Endorser's position")).fill("Secrétaire municipal")
    applicant_page.get_by_label(fr("Endorser's email address")).fill("moussa.ndiaye@example.org")
    applicant_page.locator("input[name=consent_data]").check()
    applicant_page.get_by_role("button", name=fr("Apply"), exact=True).click()
    expect(applicant_page.get_by_role("heading", level=1)).to_have_text(fr("My courses"))
    check_a11y(applicant_page)
    card = applicant_page.locator(".course-card", has_text=TITLE)
    expect(card.locator(".badge").first).to_have_text(fr("Submitted"))
    expect(card).to_contain_text("Moussa Ndiaye")

    # The endorser, who has no account, answers from the link in the mail, in French.
    with database.session() as s:
        [request] = outbox(s, "moussa.ndiaye@example.org")
    assert request["Content-Language"] == "fr"
    link = re.search(r"https?://\S+/endorse/\S+", body(request))
    assert link, body(request)
    endorser_page = new_page(locale="fr-FR")
    endorser_page.goto(link.group(0))
    check_a11y(endorser_page)
    expect(endorser_page.locator("main")).to_contain_text("Awa Diop")
    endorser_page.get_by_label(fr("Comment (optional)")).fill(
        "Awa dirige notre service depuis 2015."
    )
    endorser_page.get_by_role("button", name=fr("Endorse the application")).click()
    check_a11y(endorser_page)
    # The link works once.
    endorser_page.goto(link.group(0))
    check_a11y(endorser_page)
    expect(endorser_page.get_by_role("button", name=fr("Endorse the application"))).to_have_count(0)

    # Two reviewers score both applications; the French applicant comes out first.
    for reviewer, scores in zip(
        ("rosa.delgado@example.org", "rosa.ortiz@example.org"), ((5, 4), (4, 4)), strict=True
    ):
        reviewer_page = new_page()
        log_in(reviewer_page, reviewer)
        _score(reviewer_page, "Awa Diop", scores)
        _score(reviewer_page, "Awa Diallo", (2, 3))
        # Once scored, the reviewer reads the other's review too.
        expect(reviewer_page.locator(".review-list .review-item")).not_to_have_count(0)

    # The organiser sorts by the overall mean and confirms the best one for the only seat.
    page.goto(f"/courses/{SLUG}/selection")
    check_a11y(page)
    page.get_by_label("Sort by").select_option("overall")
    page.get_by_label("Order").select_option("desc")
    page.get_by_role("button", name="Filter").click()
    check_a11y(page)
    names = page.locator(".selection-table tbody td.applicant a")
    expect(names).to_have_text(["Awa Diop", "Awa Diallo"])
    expect(page.locator(".selection-table tbody tr").first).to_contain_text("4.5")
    page.get_by_label("Select Awa Diop").check()
    page.get_by_label("Decision for the selected applications").select_option("confirm")
    page.get_by_label("Message to the applicants (optional)").fill(
        "Bienvenue à Turin : votre expérience à Saint-Louis nous intéresse."
    )
    page.get_by_role("button", name="Apply to the selected").click()
    expect(page.get_by_role("status").first).to_be_visible()
    check_a11y(page)

    with database.session() as s:
        assert registration_status(s, SLUG, "awa.diop@example.org") == S.CONFIRMED
        assert registration_status(s, SLUG, "awa.diallo@example.org") == S.SUBMITTED
        mail = outbox(s, "awa.diop@example.org")[-1]
    assert mail["Content-Language"] == "fr"
    assert "votre expérience à Saint-Louis" in body(mail)

    # The applicant sees the decision.
    applicant_page.goto("/my/courses")
    check_a11y(applicant_page)
    card = applicant_page.locator(".course-card", has_text=TITLE)
    expect(card.locator(".badge").first).to_have_text(fr("Confirmed"))
