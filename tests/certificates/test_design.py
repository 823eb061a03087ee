"""A course's certificate design: the centre's logo and a signature image with the
signatory's name and title, uploaded by organisers, placed on the PDF, copied to new
editions, removable."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image
from pypdf import PdfReader
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app.accounts.models import Role
from app.certificates import design as rules
from app.certificates import services
from app.certificates.models import CertificateDesign
from app.certificates.pdf import render_certificate_pdf
from app.core.rules import FieldErrors
from app.courses.editions import copy_as_new_edition
from app.courses.models import CourseKind, CourseTeamMember, TeamRole
from app.extensions import db
from app.storage.backends import get_storage
from app.storage.models import StoredFile
from tests.certificates.conftest import SLUG
from tests.certificates.test_pdf import pdf_text
from tests.conftest import login
from tests.factories import make_user
from tests.storage.samples import jpeg, pdf, png

URL = f"/courses/{SLUG}/certificates/design"
NAME = "Nguyễn Thị Minh Khai"
TITLE = "Director of the Training Centre"


def image(format: str, size: tuple[int, int] = (300, 120)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (0, 82, 147)).save(buffer, format=format)
    return buffer.getvalue()


def gif() -> bytes:
    return image("GIF")


def stored_files() -> list[StoredFile]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(StoredFile).order_by(StoredFile.id)))


def has_bytes(key: str) -> bool:
    try:
        get_storage().size(key)
    except FileNotFoundError:
        return False
    return True


def the_design(course) -> CertificateDesign | None:
    db.session.expire_all()
    return rules.design_of(course)


def post(client, **fields):
    data = {"signatory_name": "", "signatory_title": ""}
    for name, value in fields.items():
        if isinstance(value, tuple):
            content, filename = value
            data[name] = FileStorage(io.BytesIO(content), filename)
        else:
            data[name] = value
    # The body built in memory (the test client would spool a large one to a temporary file
    # that it leaves open).
    boundary, body = encode_multipart(data)
    return client.post(URL, data=body, content_type=f"multipart/form-data; boundary={boundary}")


@pytest.fixture
def signed_in(client, organiser):
    return login(client, organiser)


def test_the_organiser_uploads_a_logo_and_a_signature(signed_in, course, organiser):
    response = post(
        signed_in,
        logo=(image("PNG"), "centre-logo.png"),
        signature=(image("JPEG"), "signature.jpg"),
        signatory_name=f"  {NAME} ",
        signatory_title=TITLE,
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(URL)
    design = the_design(course)
    assert (design.signatory_name, design.signatory_title) == (NAME, TITLE)
    assert design.logo.filename == "centre-logo.png"
    assert design.logo.content_type == "image/png"
    assert design.signature.content_type == "image/jpeg"
    assert design.logo.uploaded_by_id == organiser.id
    assert design.updated_by_id == organiser.id
    assert has_bytes(design.logo.storage_key) and has_bytes(design.signature.storage_key)
    page = signed_in.get(URL).get_data(as_text=True)
    assert "Current logo: centre-logo.png" in page and "Current signature: signature.jpg" in page


def test_the_pdf_places_the_logo_and_the_signature(signed_in, course, eligible):
    post(
        signed_in,
        logo=(image("PNG"), "logo.png"),
        signature=(image("JPEG", (400, 150)), "signature.jpg"),
        signatory_name=NAME,
        signatory_title=TITLE,
    )
    certificate = services.issue_certificate(eligible)
    data = render_certificate_pdf(certificate)
    [page] = PdfReader(io.BytesIO(data)).pages
    assert len(page.images) == 2
    text = pdf_text(data)
    assert NAME in text and TITLE in text


def test_without_a_design_the_pdf_has_no_image(course, eligible):
    data = render_certificate_pdf(services.issue_certificate(eligible))
    [page] = PdfReader(io.BytesIO(data)).pages
    assert len(page.images) == 0


def test_a_signatory_without_a_signature_image_is_printed(signed_in, course, eligible):
    post(signed_in, signatory_name=NAME, signatory_title=TITLE)
    data = render_certificate_pdf(services.issue_certificate(eligible))
    assert NAME in pdf_text(data)
    assert len(PdfReader(io.BytesIO(data)).pages[0].images) == 0


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (gif(), "logo.gif", "This file is a GIF image; accepted: PNG, JPEG."),
        (pdf(), "logo.pdf", "This file is a PDF document; accepted: PNG, JPEG."),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "logo.svg", "accepted: PNG, JPEG."),
        (png(), "logo.jpg", "The file name ends in .jpg but the file is a PNG image."),
        (png()[:40], "logo.png", "This image is damaged or incomplete."),
        (b"", "logo.png", "This file is empty."),
        (
            image("PNG", (6000, 5000)),
            "photo.png",
            "This image is 6000 × 5000 pixels; a logo or signature needs far fewer (at most 25 "
            "million).",
        ),
    ],
)
def test_a_bad_logo_gets_a_message_beside_the_field_and_nothing_is_stored(
    signed_in, course, content, filename, message
):
    response = post(
        signed_in,
        logo=(content, filename),
        signature=(image("PNG"), "signature.png"),
        signatory_name=NAME,
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    beside = page.split('id="logo-errors"')[1].split("</ul>")[0]
    beside = beside.replace("&#39;", "'")
    # The whole message, as the list item says it (not inside a longer one).
    assert f"<li>{message}" in beside if message[0].isupper() else f"{message}</li>" in beside
    assert stored_files() == []
    assert the_design(course) is None


def test_a_file_over_2_mb_is_refused(signed_in, course):
    big = png() + b"\0" * (2 * 1024 * 1024)
    response = post(signed_in, signature=(big, "signature.png"))
    page = response.get_data(as_text=True)
    beside = page.split('id="signature-errors"')[1].split("</ul>")[0]
    assert "This file is larger than 2 MB, the most accepted here." in beside
    assert stored_files() == []


def test_an_image_of_exactly_2_mb_is_kept(signed_in, course):
    exact = png()
    exact += b"\0" * (2 * 1024 * 1024 - len(exact))  # trailing bytes PNG readers ignore
    assert post(signed_in, logo=(exact, "logo.png")).status_code == 302
    assert the_design(course).logo.size == 2 * 1024 * 1024


def test_a_name_too_long_is_refused_beside_its_field(signed_in, course):
    response = post(signed_in, logo=(png(), "logo.png"), signatory_title="x" * 201)
    assert response.status_code == 200
    assert 'id="signatory_title-errors"' in response.get_data(as_text=True)
    assert stored_files() == []


def test_replacing_the_logo_removes_the_old_file(signed_in, course):
    post(signed_in, logo=(image("PNG"), "old.png"))
    old = the_design(course).logo
    old_key = old.storage_key
    post(signed_in, logo=(image("JPEG"), "new.jpg"))
    design = the_design(course)
    assert design.logo.filename == "new.jpg"
    assert [f.filename for f in stored_files()] == ["new.jpg"]
    assert not has_bytes(old_key)


def test_removing_the_logo_and_the_signature(signed_in, course):
    post(
        signed_in,
        logo=(image("PNG"), "logo.png"),
        signature=(image("PNG"), "signature.png"),
        signatory_name=NAME,
    )
    keys = [f.storage_key for f in stored_files()]
    response = post(signed_in, remove_logo="y", signatory_name=NAME)
    assert response.status_code == 302
    design = the_design(course)
    assert design.logo is None and design.signature.filename == "signature.png"
    assert not has_bytes(keys[0]) and has_bytes(keys[1])
    post(signed_in, remove_signature="y", signatory_name="")
    design = the_design(course)
    assert design.signature is None and design.signatory_name == ""
    assert stored_files() == [] and not has_bytes(keys[1])


def test_saving_the_name_only_keeps_the_images(signed_in, course):
    post(signed_in, logo=(image("PNG"), "logo.png"), signatory_name="A. Director")
    post(signed_in, signatory_name=NAME)
    design = the_design(course)
    assert design.logo.filename == "logo.png" and design.signatory_name == NAME


def test_a_new_edition_gets_its_own_copies(signed_in, course, organiser):
    post(
        signed_in,
        logo=(image("PNG"), "logo.png"),
        signature=(image("JPEG"), "signature.jpg"),
        signatory_name=NAME,
        signatory_title=TITLE,
    )
    original = the_design(course)
    new = copy_as_new_edition(course, date(2018, 11, 19), slug="governing-2018", actor=organiser)
    db.session.commit()
    copy = the_design(new)
    assert (copy.signatory_name, copy.signatory_title) == (NAME, TITLE)
    for field in ("logo", "signature"):
        mine, theirs = getattr(original, field), getattr(copy, field)
        assert theirs.id != mine.id and theirs.storage_key != mine.storage_key
        assert (theirs.sha256, theirs.size, theirs.filename, theirs.content_type) == (
            mine.sha256,
            mine.size,
            mine.filename,
            mine.content_type,
        )
        assert rules.image_bytes(theirs) == rules.image_bytes(mine)
    # Removing the copy's logo leaves the original's, and the other way round.
    rules.update_design(new, rules.DesignChange(remove_logo=True), actor=organiser)
    db.session.commit()
    assert has_bytes(the_design(course).logo.storage_key)
    rules.update_design(course, rules.DesignChange(remove_signature=True), actor=organiser)
    db.session.commit()
    assert has_bytes(the_design(new).signature.storage_key)
    assert the_design(new).logo is None and the_design(course).signature is None


def test_a_new_edition_of_a_course_without_a_design_has_none(course, organiser):
    new = copy_as_new_edition(course, date(2018, 11, 19), slug="governing-2018", actor=organiser)
    db.session.commit()
    assert the_design(new) is None


def test_a_copy_whose_bytes_are_lost_is_left_out(signed_in, course, organiser):
    post(signed_in, logo=(image("PNG"), "logo.png"), signatory_name=NAME)
    get_storage().delete(the_design(course).logo.storage_key)
    new = copy_as_new_edition(course, date(2018, 11, 19), slug="governing-2018", actor=organiser)
    db.session.commit()
    copy = the_design(new)
    assert copy.logo is None and copy.signatory_name == NAME


def test_a_text_sent_in_place_of_a_file_is_no_upload(signed_in, course):
    response = signed_in.post(URL, data={"logo": "not a file", "signatory_name": NAME})
    assert response.status_code == 302
    assert the_design(course).logo is None


@pytest.mark.parametrize("who", ["participant", "facilitator", "other organiser"])
def test_only_the_courses_organisers_may_change_it(client, course, eligible, who):
    if who == "participant":
        user = eligible.user
    elif who == "facilitator":
        user = make_user(name="Fatou Facilitator")
        course.team.append(CourseTeamMember(user=user, role=TeamRole.FACILITATOR))
    else:
        user = make_user(Role.ORGANISER)
    db.session.commit()
    login(client, user)
    assert client.get(URL).status_code == 403
    response = post(client, logo=(png(), "logo.png"))
    assert response.status_code == 403
    assert stored_files() == []


def test_events_have_no_certificate_design(client, course, organiser):
    course.kind = CourseKind.SIDE_EVENT
    db.session.commit()
    login(client, organiser)
    assert client.get(URL).status_code == 404


def test_jpeg_sample_is_accepted(signed_in, course):
    assert post(signed_in, signature=(jpeg(), "scan.jpeg")).status_code == 302


def _upload(content: bytes, name: str) -> FileStorage:
    return FileStorage(io.BytesIO(content), name)


def _bilevel_png(size: tuple[int, int]) -> bytes:
    # One bit a pixel: a huge image in a small file, as a decompression bomb is.
    buffer = io.BytesIO()
    Image.new("1", size).save(buffer, format="PNG")
    return buffer.getvalue()


def test_an_image_of_25_million_pixels_is_kept_one_more_is_refused(course, organiser):
    kept = rules.update_design(
        course,
        rules.DesignChange(logo=_upload(_bilevel_png((5000, 5000)), "logo.png")),
        actor=organiser,
    )
    assert kept.logo.filename == "logo.png"
    with pytest.raises(FieldErrors) as caught:
        rules.update_design(
            course,
            rules.DesignChange(signature=_upload(_bilevel_png((4901, 5101)), "s.png")),
            actor=organiser,
        )
    assert caught.value.errors == {
        "signature": [caught.value.errors["signature"][0]],
    }
    assert str(caught.value) == (
        "This image is 4901 × 5101 pixels; a logo or signature needs far fewer (at most 25 "
        "million)."
    )


def test_a_decompression_bomb_is_refused_without_decoding_it(course, organiser):
    with pytest.raises(FieldErrors) as caught:
        rules.update_design(
            course,
            rules.DesignChange(logo=_upload(_bilevel_png((15000, 12000)), "bomb.png")),
            actor=organiser,
        )
    assert str(caught.value) == "This image has far more pixels than a logo or signature needs."
    assert list(caught.value.errors) == ["logo"]


def test_both_images_bad_gives_both_messages_and_keeps_neither(signed_in, course):
    response = post(
        signed_in,
        logo=(gif(), "logo.gif"),
        signature=(png()[:40], "signature.png"),
        signatory_name=NAME,
    )
    page = response.get_data(as_text=True)
    assert "This file is a GIF image" in page.split('id="logo-errors"')[1].split("</ul>")[0]
    assert (
        "<li>This image is damaged or incomplete.</li>"
        in (page.split('id="signature-errors"')[1].split("</ul>")[0])
    )
    assert stored_files() == []


def test_a_good_logo_with_a_bad_signature_keeps_nothing(signed_in, course, app):
    before = {p for p in Path(app.config["UPLOAD_FOLDER"]).rglob("*") if p.is_file()}
    response = post(signed_in, logo=(image("PNG"), "logo.png"), signature=(gif(), "s.gif"))
    assert response.status_code == 200
    assert stored_files() == []
    assert {p for p in Path(app.config["UPLOAD_FOLDER"]).rglob("*") if p.is_file()} == before


@pytest.mark.parametrize("field", ["signatory_name", "signatory_title"])
def test_the_rules_take_200_characters_and_refuse_201(course, organiser, field):
    with pytest.raises(FieldErrors) as caught:
        rules.update_design(course, rules.DesignChange(**{field: "é" * 201}), actor=organiser)
    assert caught.value.errors == {field: [caught.value.errors[field][0]]}
    assert str(caught.value) == "At most 200 characters."
    # Spaces inside count, those around and doubled go first: 200 characters are kept.
    design = rules.update_design(
        course, rules.DesignChange(**{field: "  " + "é " * 100 + " "}), actor=organiser
    )
    assert getattr(design, field) == ("é " * 100).strip()
    design = rules.update_design(course, rules.DesignChange(**{field: "é" * 200}), actor=organiser)
    assert getattr(design, field) == "é" * 200


def test_the_copy_is_made_by_whoever_copies_and_goes_if_the_copy_is_undone(
    signed_in, course, organiser, app
):
    post(
        signed_in,
        logo=(image("PNG"), "logo.png"),
        signature=(image("JPEG"), "signature.jpg"),
        signatory_name=NAME,
    )
    before = {p for p in Path(app.config["UPLOAD_FOLDER"]).rglob("*") if p.is_file()}
    colleague = make_user(Role.ORGANISER, name="Carla Colleague")
    new = copy_as_new_edition(course, date(2018, 11, 19), slug="governing-2018", actor=colleague)
    copy = rules.design_of(new)
    assert copy.logo.uploaded_by_id == colleague.id
    assert copy.signature.uploaded_by_id == colleague.id
    assert copy.updated_by_id == colleague.id
    db.session.rollback()
    after = {p for p in Path(app.config["UPLOAD_FOLDER"]).rglob("*") if p.is_file()}
    assert after == before


def test_a_logo_whose_bytes_are_lost_is_left_off_the_pdf(signed_in, course, eligible):
    post(signed_in, logo=(image("PNG"), "logo.png"), signature=(image("PNG"), "s.png"))
    get_storage().delete(the_design(course).logo.storage_key)
    data = render_certificate_pdf(services.issue_certificate(eligible))
    assert len(PdfReader(io.BytesIO(data)).pages[0].images) == 1
