"""Adding, changing, replacing, moving and deleting materials, without HTTP: what is stored
(rows and bytes), who did it and when, and every refusal leaving nothing behind."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.materials import reading, services
from app.materials.models import Material, MaterialVisibility
from app.materials.services import InvalidMaterial, MaterialData
from app.storage.models import StoredFile
from tests.materials.conftest import NOW, Turin, files_in, upload
from tests.storage.samples import jpeg, pdf, png, pptx

LATER = NOW + timedelta(hours=3)


def new(turin: Turin, actor=None, **data: object) -> Material:
    data.setdefault("title", "Welcome pack")
    if "url" not in data and "upload" not in data:
        data["upload"] = upload(pdf("Welcome"), "welcome.pdf")
    return services.add_material(
        turin.course, MaterialData(**data), actor=actor or turin.organiser, now=NOW
    )


def errors_of(turin: Turin, material: Material | None = None, **data: object) -> dict:
    data.setdefault("title", "Welcome pack")
    with pytest.raises(InvalidMaterial) as caught:
        if material is None:
            services.add_material(
                turin.course, MaterialData(**data), actor=turin.organiser, now=NOW
            )
        else:
            services.update_material(
                material, MaterialData(**data), actor=turin.organiser, now=LATER
            )
    return caught.value.errors


def material_count(turin: Turin) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Material)
        .where(Material.course_id == turin.course.id)
    )


def stored_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(StoredFile))


# --- adding -----------------------------------------------------------------------------------


def test_a_file_is_stored_with_who_and_when(turin, uploads):
    before = len(files_in(uploads)) if uploads.exists() else 0
    material = new(
        turin,
        actor=turin.facilitator,
        title="  Welcome   pack ",
        description="Read before Monday.\r\nBring it.",
    )
    db.session.commit()
    assert material.title == "Welcome pack"
    assert material.description == "Read before Monday.\nBring it."
    assert material.visibility == MaterialVisibility.PARTICIPANTS  # the default
    assert material.file.filename == "welcome.pdf"
    assert material.file.content_type == "application/pdf"
    assert material.file.uploaded_by == turin.facilitator
    assert (material.created_by, material.created_at) == (turin.facilitator, NOW)
    assert (material.updated_by, material.updated_at) == (turin.facilitator, NOW)
    assert material.url == ""
    assert (material.session, material.module) == (None, None)
    assert len(files_in(uploads)) == before + 1


def test_a_link_is_stored_without_a_file(turin):
    material = new(
        turin, title="IOM glossary", url=" https://www.iom.int/glossary ", visibility="public"
    )
    assert material.url == "https://www.iom.int/glossary"
    assert material.file is None
    assert material.is_public
    assert not material.is_file


def test_placed_on_a_session_or_a_module_of_the_course(turin):
    talk = turin.talks[1]
    on_session = new(turin, place=f"session:{talk.id}")
    on_module = new(turin, place=f"module:{turin.m2.id}", upload=upload(png(), "map.png"))
    assert (on_session.session, on_session.module) == (talk, None)
    assert (on_module.session, on_module.module) == (None, turin.m2)
    assert services.place_value(on_session) == f"session:{talk.id}"
    assert services.place_value(on_module) == f"module:{turin.m2.id}"


def test_new_materials_go_last(turin):
    first, second = new(turin), new(turin, url="https://example.org/a")
    assert second.position == first.position + 1


@pytest.mark.parametrize(
    "place",
    [
        "session:999999",
        "module:999999",
        "session:",
        "session:1e3",
        "session:-1",
        "session:٣",  # an Arabic-Indic digit: a digit to str.isdigit, not to us
        "room:1",
        "anything",
        "session:99999999999999999999",
    ],
)
def test_a_place_not_of_the_course_is_refused(turin, place, uploads):
    before = stored_count()
    assert errors_of(turin, place=place, url="https://example.org") == {
        "place": ["Choose a session or module of this course."]
    }
    assert material_count(turin) == 0
    assert stored_count() == before


def test_another_course_s_session_or_module_and_a_break_are_refused(turin, neighbour):
    theirs = neighbour.course.sessions[0]
    a_break = next(s for s in turin.sessions if s.is_break)
    other_module = services.course_modules(turin.course)[0]
    turin.course.focuses.pop(0)  # M1 is no longer the course's
    db.session.flush()
    for place in (f"session:{theirs.id}", f"session:{a_break.id}", f"module:{other_module.id}"):
        assert "place" in errors_of(turin, place=place, url="https://example.org")


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"title": ""}, "title", "Give the material a title."),
        ({"title": " \t "}, "title", "Give the material a title."),
        ({"title": "x" * 301}, "title", "Keep the title to 300 characters or fewer."),
        ({"title": "Bad\x00title"}, "title", "The title contains invisible control characters."),
        ({"title": "Line\nbreak"}, "title", "The title contains invisible control characters."),
        ({"title": "Ana\u202eevil"}, "title", "The title contains invisible control characters."),
        (
            {"description": "d" * 2001},
            "description",
            "Keep the description to 2000 characters or fewer.",
        ),
        (
            {"description": "esc\x1b[31m"},
            "description",
            "The description contains invisible control characters.",
        ),
        ({"visibility": "everyone"}, "visibility", "Choose who may see the material."),
        ({"visibility": ""}, "visibility", "Choose who may see the material."),
        (
            {"url": "javascript:alert(1)"},
            "url",
            "The link must be a web address starting with https:// or http://.",
        ),
        (
            {"url": "JaVaScRiPt:alert(1)//http://x"},
            "url",
            "The link must be a web address starting with https:// or http://.",
        ),
        (
            {"url": "data:text/html,<b>hi</b>"},
            "url",
            "The link must be a web address starting with https:// or http://.",
        ),
        (
            {"url": "/courses/other"},
            "url",
            "The link must be a web address starting with https:// or http://.",
        ),
        (
            {"url": "https://"},
            "url",
            "The link must be a web address starting with https:// or http://.",
        ),
        (
            {"url": "https://exa mple.org"},
            "url",
            "The link must be a web address starting with https:// or http://.",
        ),
        (
            {"url": "https://[::1"},
            "url",
            "The link must be a web address starting with https:// or http://.",
        ),
        (
            {"url": "ftp://example.org/file"},
            "url",
            "The link must be a web address starting with https:// or http://.",
        ),
        (
            {"url": "https://example.org/" + "a" * 490},
            "url",
            "Keep the link to 500 characters or fewer.",
        ),
        ({}, "file", "Choose a file or give a link."),
        ({"url": "   "}, "file", "Choose a file or give a link."),
    ],
)
def test_bad_fields_are_named(turin, data, field, message, uploads):
    before = stored_count()
    assert errors_of(turin, **data)[field] == [message]
    assert material_count(turin) == 0
    assert stored_count() == before


def test_a_file_and_a_link_together_are_refused_and_nothing_stored(turin, uploads):
    before = stored_count()
    errors = errors_of(turin, url="https://example.org", upload=upload(pdf(), "a.pdf"))
    assert errors == {"url": ["Give either a file or a link, not both."]}
    assert stored_count() == before
    assert not uploads.exists() or files_in(uploads) == []


def test_every_message_at_once(turin):
    errors = errors_of(turin, title="", visibility="x", place="nowhere", url="javascript:x")
    assert set(errors) == {"title", "visibility", "place", "url"}


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"", "empty.pdf", "This file is empty."),
        (b"<html><script>alert(1)</script></html>", "slides.pdf", "This file is an HTML page"),
        (
            pptx(),
            "deck.pptx",
            "a presentation",
        ),
        (jpeg(), "photo.pdf", "The file name ends in .pdf but the file is a JPEG image."),
    ],
)
def test_a_refused_file_leaves_nothing(turin, uploads, data, filename, message):
    before = stored_count()
    errors = errors_of(turin, upload=upload(data, filename))
    assert message in str(errors["file"][0])
    assert material_count(turin) == 0
    assert stored_count() == before
    db.session.rollback()
    assert not uploads.exists() or files_in(uploads) == []


def test_the_size_limit_is_the_application_documents_one(turin, uploads, monkeypatch):
    assert services.MAX_BYTES == 10 * 1024 * 1024
    data = pdf("Handbook")
    monkeypatch.setattr(services, "MAX_BYTES", len(data) - 1)
    errors = errors_of(turin, upload=upload(data, "big.pdf"))
    assert "larger than" in str(errors["file"][0])
    assert material_count(turin) == 0
    monkeypatch.setattr(services, "MAX_BYTES", len(data))
    assert new(turin, upload=upload(data, "big.pdf")).file.size == len(data)


def test_a_rolled_back_upload_leaves_no_bytes(turin, uploads):
    new(turin)
    assert len(files_in(uploads)) == 1
    db.session.rollback()
    assert files_in(uploads) == []
    assert material_count(turin) == 0


# --- changing ----------------------------------------------------------------------------------


def test_change_title_visibility_and_place_records_who_and_when(turin):
    material = new(turin)
    db.session.commit()
    changed = services.update_material(
        material,
        MaterialData(
            title="Welcome pack (v2)",
            visibility="public",
            place=f"module:{turin.m1.id}",
            description="New",
        ),
        actor=turin.facilitator,
        now=LATER,
    )
    assert changed
    assert (material.title, material.visibility, material.module, material.description) == (
        "Welcome pack (v2)",
        MaterialVisibility.PUBLIC,
        turin.m1,
        "New",
    )
    assert (material.updated_by, material.updated_at) == (turin.facilitator, LATER)
    assert (material.created_by, material.created_at) == (turin.organiser, NOW)


def test_saving_unchanged_changes_nothing(turin):
    material = new(turin, description="Read it")
    db.session.commit()
    changed = services.update_material(
        material,
        MaterialData(title="Welcome pack", description="Read it"),
        actor=turin.facilitator,
        now=LATER,
    )
    assert not changed
    assert (material.updated_by, material.updated_at) == (turin.organiser, NOW)


@pytest.mark.parametrize(
    "field_value",
    [
        ("title", "Other"),
        ("description", "Other"),
        ("visibility", "public"),
        ("place", "session"),
    ],
)
def test_each_field_alone_counts_as_a_change(turin, field_value):
    name, value = field_value
    material = new(turin, description="Read it")
    db.session.commit()
    data = {"title": "Welcome pack", "description": "Read it"}
    data[name] = f"session:{turin.talks[0].id}" if value == "session" else value
    assert services.update_material(material, MaterialData(**data), actor=turin.admin, now=LATER)
    assert material.updated_by == turin.admin


def test_a_link_s_address_can_change(turin):
    material = new(turin, url="https://example.org/old")
    db.session.commit()
    assert services.update_material(
        material,
        MaterialData(title="Welcome pack", url="https://example.org/new"),
        actor=turin.organiser,
        now=LATER,
    )
    assert material.url == "https://example.org/new"


def test_a_file_keeps_its_kind_and_a_link_its_kind(turin):
    a_file = new(turin)
    a_link = new(turin, url="https://example.org")
    assert errors_of(turin, a_file, url="https://example.org") == {
        "url": ["This material is a file; it takes no link."]
    }
    assert errors_of(turin, a_link, upload=upload(pdf(), "x.pdf")) == {
        "file": ["This material is a link; add the file as a new material."]
    }
    assert errors_of(turin, a_link) == {"url": ["Give the link."]}


def test_a_material_stays_on_a_module_the_course_dropped(turin):
    """The course builder dropped M2 after the material was put there: it may still be saved
    where it is, not moved onto another module the course does not have."""
    material = new(turin, place=f"module:{turin.m2.id}")
    turin.course.focuses.pop(1)
    db.session.flush()
    services.update_material(
        material,
        MaterialData(title="Renamed", place=f"module:{turin.m2.id}"),
        actor=turin.organiser,
        now=LATER,
    )
    assert material.module == turin.m2
    other = new(turin, url="https://example.org")
    assert "place" in errors_of(
        turin, other, url="https://example.org", place=f"module:{turin.m2.id}"
    )


def test_replacing_the_file_keeps_one_file(turin, uploads):
    material = new(turin)
    db.session.commit()
    old_id, old_key = material.file.id, material.file.storage_key
    services.update_material(
        material,
        MaterialData(title="Welcome pack", upload=upload(png(), "welcome.png")),
        actor=turin.facilitator,
        now=LATER,
    )
    db.session.commit()
    assert material.file.filename == "welcome.png"
    assert material.file.uploaded_by == turin.facilitator
    assert (material.updated_by, material.updated_at) == (turin.facilitator, LATER)
    assert db.session.get(StoredFile, old_id) is None
    keys = [path.name for path in files_in(uploads)]
    assert old_key not in keys
    assert len(files_in(uploads)) == 1


def test_a_refused_replacement_keeps_the_old_file_and_the_rest(turin, uploads):
    material = new(turin)
    db.session.commit()
    old = material.file
    errors = errors_of(turin, material, title="Renamed", upload=upload(b"", "empty.pdf"))
    assert errors == {"file": ["This file is empty."]}
    db.session.rollback()
    assert material.file is old
    assert material.title == "Welcome pack"
    assert len(files_in(uploads)) == 1


# --- deleting and moving ------------------------------------------------------------------------


def test_deleting_removes_the_row_the_file_and_the_bytes(turin, uploads):
    material = new(turin)
    db.session.commit()
    file_id = material.file.id
    services.delete_material(material, actor=turin.organiser)
    assert len(files_in(uploads)) == 1  # the bytes go once committed
    db.session.commit()
    assert material_count(turin) == 0
    assert db.session.get(StoredFile, file_id) is None
    assert files_in(uploads) == []


def test_a_rolled_back_deletion_keeps_the_bytes(turin, uploads):
    material = new(turin)
    db.session.commit()
    services.delete_material(material, actor=turin.organiser)
    db.session.rollback()
    assert material_count(turin) == 1
    assert len(files_in(uploads)) == 1


def test_deleting_a_link(turin):
    material = new(turin, url="https://example.org")
    db.session.commit()
    services.delete_material(material, actor=turin.organiser)
    db.session.commit()
    assert material_count(turin) == 0


def test_a_deleted_session_leaves_its_materials_on_the_course(turin):
    from app.schedule.services import delete_session

    talk = turin.talks[2]
    material = new(turin, place=f"session:{talk.id}")
    db.session.commit()
    delete_session(talk, actor=turin.organiser)
    db.session.commit()
    db.session.expire_all()
    assert material.session_id is None
    assert material.file is not None
    grouped = reading.material_list(turin.course, turin.organiser, "Europe/Rome")
    assert grouped.general == [material]


def test_a_deleted_course_takes_its_materials_and_their_bytes(turin, uploads):
    new(turin)
    new(turin, url="https://example.org")
    db.session.commit()
    db.session.delete(turin.course)
    db.session.commit()
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Material)
            .where(Material.course_id == turin.course.id)
        )
        == 0
    )
    assert files_in(uploads) == []


def titles_in(turin: Turin, place: str = "") -> list[str]:
    grouped = reading.material_list(turin.course, turin.organiser, "Europe/Rome")
    if place.startswith("session:"):
        return [m.title for m in grouped.by_session.get(int(place[8:]), [])]
    return [m.title for m in grouped.general]


def test_move_up_and_down_within_its_place(turin):
    talk = f"session:{turin.talks[0].id}"
    a = new(turin, title="A", url="https://example.org/a")
    on_session = new(turin, title="S", url="https://example.org/s", place=talk)
    b = new(turin, title="B", url="https://example.org/b")
    c = new(turin, title="C", url="https://example.org/c")
    assert titles_in(turin) == ["A", "B", "C"]
    assert services.move_material(c, "up", actor=turin.facilitator, now=LATER)
    assert titles_in(turin) == ["A", "C", "B"]
    assert (c.updated_by, c.updated_at) == (turin.facilitator, LATER)
    assert services.move_material(a, "down", actor=turin.organiser, now=LATER)
    assert titles_in(turin) == ["C", "A", "B"]
    assert not services.move_material(c, "up", actor=turin.organiser, now=LATER)
    assert not services.move_material(b, "down", actor=turin.organiser, now=LATER)
    assert not services.move_material(b, "sideways", actor=turin.organiser, now=LATER)
    assert titles_in(turin) == ["C", "A", "B"]
    assert not services.move_material(on_session, "up", actor=turin.organiser, now=LATER)
    assert titles_in(turin, talk) == ["S"]


def test_moving_puts_tied_positions_in_order(turin):
    a = new(turin, title="A", url="https://example.org/a")
    b = new(turin, title="B", url="https://example.org/b")
    c = new(turin, title="C", url="https://example.org/c")
    for material in (a, b, c):
        material.position = 7
    db.session.flush()
    assert services.move_material(c, "up", actor=turin.organiser, now=LATER)
    assert titles_in(turin) == ["A", "C", "B"]


def test_moving_stays_within_a_module_and_apart_from_the_course_s_own(turin):
    g1 = new(turin, title="G1", url="https://example.org/g1")
    a = new(turin, title="M1-A", url="https://example.org/a", place=f"module:{turin.m1.id}")
    g2 = new(turin, title="G2", url="https://example.org/g2")
    b = new(turin, title="M1-B", url="https://example.org/b", place=f"module:{turin.m1.id}")
    c = new(turin, title="M2-C", url="https://example.org/c", place=f"module:{turin.m2.id}")
    assert services.move_material(b, "up", actor=turin.organiser, now=LATER)
    grouped = reading.material_list(turin.course, turin.organiser, "Europe/Rome")
    assert [m.title for m in grouped.by_module[turin.m1.id]] == ["M1-B", "M1-A"]
    assert [m.title for m in grouped.general] == ["G1", "G2"]
    assert not services.move_material(c, "up", actor=turin.organiser, now=LATER)
    assert not services.move_material(c, "down", actor=turin.organiser, now=LATER)
    assert services.move_material(g2, "up", actor=turin.organiser, now=LATER)
    grouped = reading.material_list(turin.course, turin.organiser, "Europe/Rome")
    assert [m.title for m in grouped.general] == ["G2", "G1"]
    assert [m.title for m in grouped.by_module[turin.m1.id]] == ["M1-B", "M1-A"]
    assert (g1.updated_at, a.updated_at) == (NOW, NOW)


def test_an_unknown_direction_moves_nothing(turin):
    a = new(turin, title="A", url="https://example.org/a")
    new(turin, title="B", url="https://example.org/b")
    new(turin, title="C", url="https://example.org/c")
    assert not services.move_material(a, "sideways", actor=turin.organiser, now=LATER)
    assert not services.move_material(a, "", actor=turin.organiser, now=LATER)
    assert titles_in(turin) == ["A", "B", "C"]
    assert a.updated_at == NOW
