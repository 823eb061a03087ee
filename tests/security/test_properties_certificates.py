"""Arbitrary input to the certificates' forms (see test_properties.py for what is checked):
revoking one with a reason, issuing them all, the course's certificate design with its images.
Never a server error; a refused post changes no row and leaves no stored bytes; what is stored
is plain text and comes back escaped."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from typing import Any

from hypothesis import strategies as st
from PIL import Image

from app.accounts.models import Role
from app.certificates import design as rules
from app.certificates import services
from app.certificates.models import Certificate
from app.extensions import db
from app.registration.models import Attendance
from tests.factories import make_course, make_registration, make_user, make_venue
from tests.security.test_properties import (
    ABSENT,
    LONG,
    accepted,
    assert_escaped,
    assert_plain,
    boxes,
    documents,
    fresh,
    get,
    new_client,  # noqa: F401 (a fixture)
    post,
    posts,
    run,
    snapshot,
    stored_bytes,
)
from tests.storage.samples import jpeg, png

AFTER = datetime(2017, 12, 1, 9, 0, tzinfo=UTC)


def finished_course():
    organiser = make_user(Role.ORGANISER)
    course = make_course(
        slug="certified", organisers=(organiser,), start=date(2017, 11, 20), venue=make_venue()
    )
    ana = make_registration(course, make_user(name="Ana Sørensen"))
    ana.attendance.extend(Attendance(day=day, is_present=True) for day in course.day_dates)
    db.session.flush()
    return organiser, course, ana


# --- revoking --------------------------------------------------------------------------------

REVOKE = {"reason": "Attendance sheet for <Thursday> & Friday was signed by someone else"}


@run(
    posts(REVOKE, free=("reason",)),
    {"reason": "x" * LONG},
    {"reason": "a\x00b"},
    {"reason": "\r\n\t "},
    {},
)
def test_revoke(new_client, data):  # noqa: F811
    fresh()
    organiser, _course, ana = finished_course()
    certificate = services.issue_certificate(ana, now=AFTER)
    client = new_client(organiser)
    before = snapshot()
    response = post(client, f"/courses/certified/certificates/{certificate.id}/revoke", data)
    assert response.status_code in (302, 400)
    db.session.expire_all()
    stored = db.session.get(Certificate, certificate.id)
    if not stored.is_revoked:
        assert snapshot() == before
        return
    assert_plain(stored.revocation_reason)
    assert 0 < len(stored.revocation_reason) <= 500
    html = get(client, f"/certificates/{stored.code}")
    assert_escaped(html, stored.revocation_reason)
    html = get(client, "/courses/certified/certificates")
    assert_escaped(html, stored.revocation_reason)


@run(posts({"as_pdf": "1"}, structural={"as_pdf": boxes, "as_zip": boxes}))
def test_issue_all(new_client, data):  # noqa: F811
    fresh()
    organiser, _course, _ana = finished_course()
    client = new_client(organiser)
    response = post(client, "/courses/certified/certificates/issue-all", data)
    assert response.status_code == 200
    assert response.mimetype in ("application/pdf", "application/zip")
    assert len(db.session.scalars(db.select(Certificate)).all()) == 1


# --- the design ------------------------------------------------------------------------------


def _image(format: str, size: tuple[int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA" if format == "PNG" else "RGB", size, (10, 20, 30)).save(buffer, format=format)
    return buffer.getvalue()


image_bodies = st.one_of(
    st.sampled_from(
        (
            png(),
            jpeg(),
            png()[:30],
            _image("PNG", (1, 1)),
            _image("PNG", (6000, 4200)),
            _image("GIF", (20, 20)),
            b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
            b"\x89PNG\r\n\x1a\n" + b"\0" * 100,
            b"\xff\xd8\xff\xe0" + b"x" * 100,
        )
    ),
    st.binary(max_size=200),
)
image_names = st.sampled_from(
    ("logo.png", "logo.jpg", "logo", "../../logo.png", "lo\x00go.png", "", "logo.PNG", "a" * 400)
)
images = st.one_of(
    st.builds(lambda body, name: (io.BytesIO(body), name), image_bodies, image_names),
    documents,
    st.just(ABSENT),
)
DESIGN = {
    "signatory_name": "Nguyễn Thị Minh Khai <Director>",
    "signatory_title": "Director & Head of <Training>",
}


def _fresh_streams(data: dict[str, Any]) -> dict[str, Any]:
    out = dict(data)
    for field in ("logo", "signature"):
        if isinstance(out.get(field), tuple):
            # A fresh stream per post: the test client closes what it sent.
            body, name = out[field]
            out[field] = (io.BytesIO(body.getvalue()), name)
    return out


@run(
    posts(
        DESIGN,
        free=("signatory_name", "signatory_title"),
        structural={
            "logo": images,
            "signature": images,
            "remove_logo": boxes,
            "remove_signature": boxes,
        },
        broken=4,
    ),
    {**DESIGN, "signatory_name": "x" * LONG},
    {**DESIGN, "signatory_title": "line\r\nbreak"},
    {**DESIGN, "logo": "not a file", "remove_logo": "y"},
)
def test_design(new_client, data):  # noqa: F811
    fresh()
    organiser, course, ana = finished_course()
    client = new_client(organiser)
    before, files_before = snapshot(), stored_bytes()
    response = post(client, "/courses/certified/certificates/design", _fresh_streams(data))
    if not accepted(response, before):
        assert stored_bytes() == files_before
        return
    db.session.expire_all()
    design = rules.design_of(course)
    assert_plain(design.signatory_name)
    assert_plain(design.signatory_title)
    assert len(design.signatory_name) <= 200 and len(design.signatory_title) <= 200
    for stored in (design.logo, design.signature):
        if stored is not None:
            assert stored.content_type in ("image/png", "image/jpeg")
            assert stored.size <= 2 * 1024 * 1024
            assert_plain(stored.filename)
    # Each example starts without a design: the bytes added are its images, no more.
    added = stored_bytes() - files_before
    assert len(added) == (design.logo is not None) + (design.signature is not None)
    html = get(client, "/courses/certified/certificates/design")
    assert_escaped(html, design.signatory_name)
    # And the certificate prints with them.
    pdf = client.get(f"/my/registrations/{ana.id}/certificate.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")
