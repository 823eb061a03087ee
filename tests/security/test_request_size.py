"""Request size (issue 15): every form stops at MAX_CONTENT_LENGTH (1 MB unless set); only
the pages that take files (marked @accepts_uploads) go up to MAX_UPLOAD_LENGTH (60 MB). A
larger body is answered 413 before it is read, with a page in the person's language that
names the limit of the page it was sent to; nothing is stored."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app.accounts.models import Role
from app.core.security import upload_endpoints
from app.extensions import db
from app.materials.models import Material
from tests.conftest import login
from tests.factories import make_course, make_user
from tests.storage.conftest import uploads  # noqa: F401  (the fixture)
from tests.storage.samples import pdf

MB = 1024 * 1024


def test_the_defaults(app):
    from app.config import DEFAULTS

    assert DEFAULTS["MAX_CONTENT_LENGTH"] == 1 * MB
    assert DEFAULTS["MAX_UPLOAD_LENGTH"] == 60 * MB


def test_the_pages_that_take_files_are_marked(app):
    """Every form with a file field: the application (and RSVP) form and its answers, the
    materials, the certificate design, the hand-ins. A new one must be marked to take files
    over 1 MB."""
    assert upload_endpoints(app) == {
        "registration.apply",
        "applications.my_answers",
        "materials.manage",
        "materials.edit",
        "certificates.design",
        "followup.submit_work",
    }


@pytest.fixture
def organiser_course():
    organiser = make_user(Role.ORGANISER, name="Olga Organiser")
    course = make_course(slug="governing-2027", organisers=(organiser,))
    make_course(slug="mainstreaming-2027", organisers=(make_user(Role.ORGANISER),))
    db.session.commit()
    return organiser, course


def _multipart(fields):
    """The body built in memory: the test client would spool a large one to a temporary file
    that a request refused unread leaves open."""
    boundary, body = encode_multipart(fields)
    return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}


def test_a_plain_form_over_1_mb_is_refused_in_the_persons_language(client, organiser_course):
    organiser, course = organiser_course
    organiser.locale = "fr"
    db.session.commit()
    login(client, organiser)
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Material))
    # The materials' delete form takes no file: it stops at 1 MB like every plain form.
    response = client.post(
        f"/courses/{course.slug}/materials/1/delete",
        **_multipart({"padding": "x" * (MB + 1)}),
    )
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "Requête trop volumineuse" in html
    assert "(1 Mo au plus)" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Material)) == before


def test_a_plain_form_just_under_the_limit_is_read(client, organiser_course):
    organiser, _course = organiser_course
    login(client, organiser)
    # The log-out form (POST) with a body just under 1 MB: read, not refused.
    response = client.post("/logout", **_multipart({"padding": "x" * (MB - 1000)}))
    assert response.status_code != 413


def test_an_upload_page_takes_a_file_over_1_mb(client, organiser_course, uploads):  # noqa: F811
    organiser, course = organiser_course
    login(client, organiser)
    big = pdf("Case study") + b"\n%" + b"0" * (2 * MB)
    response = client.post(
        f"/courses/{course.slug}/materials/manage",
        **_multipart(
            {
                "title": "Case study: Turin",
                "visibility": "participants",
                "file": FileStorage(io.BytesIO(big), "case.pdf", content_type="application/pdf"),
            }
        ),
    )
    assert response.status_code == 302
    [material] = db.session.scalars(sa.select(Material)).all()
    assert material.title == "Case study: Turin"


def test_an_upload_page_stops_at_the_upload_limit(app, client, organiser_course, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_UPLOAD_LENGTH", 3 * MB // 2)
    organiser, course = organiser_course
    login(client, organiser)
    response = client.post(
        f"/courses/{course.slug}/materials/manage",
        **_multipart(
            {
                "title": "Slides",
                "visibility": "participants",
                "file": FileStorage(io.BytesIO(pdf() + b"0" * 2 * MB), "slides.pdf"),
            }
        ),
    )
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "Request too large" in html
    assert "1.5 MB at most in one form" in html
    assert "choose smaller files" in html
    assert db.session.scalars(sa.select(Material)).all() == []


def test_the_limit_of_a_plain_form_is_named_in_english(client, organiser_course):
    organiser, course = organiser_course
    login(client, organiser)
    response = client.post(
        f"/courses/{course.slug}/materials/1/delete",
        **_multipart({"padding": "x" * (2 * MB)}),
    )
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "larger than this form accepts (1 MB at most)" in html
