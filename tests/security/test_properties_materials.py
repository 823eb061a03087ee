"""Arbitrary input to the materials' form (see test_properties.py for what is checked): a new
material, and a change of one (a file, or a link). Never a server error; a refused post changes
no row and leaves no stored bytes; what is stored is plain text, a link only http(s), and it
comes back escaped on the course's Materials list."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from hypothesis import strategies as st

from app.accounts.models import Role
from app.extensions import db
from app.materials import services
from app.materials.models import Material
from app.schedule.proposal import propose_timetable
from tests.factories import make_course, make_module, make_user
from tests.security.test_properties import (
    ABSENT,
    LONG,
    accepted,
    assert_escaped,
    assert_plain,
    choices,
    documents,
    fresh,
    get,
    links,
    new_client,  # noqa: F401 (a fixture)
    only,
    post,
    posts,
    run,
    snapshot,
    stored_bytes,
)
from tests.storage.samples import pdf

MATERIAL = {
    "title": "Handbook: cities & <migrants>",
    "description": "Read it first.\r\n\r\nThen <b>more</b>.",
    "url": "https://example.org/reading?a=1&b=2",
    "place": "__session__",
    "visibility": "public",
}
PLACES = ("", "__session__", "__module__", "__break__", "session:999999", "module:0")


def _posts() -> st.SearchStrategy[dict[str, Any]]:
    return posts(
        MATERIAL,
        free=("title", "description"),
        structural={
            "url": st.one_of(links, st.just(ABSENT)),
            "place": choices(*PLACES),
            "visibility": choices("public", "participants"),
            "file": st.one_of(documents, st.just(ABSENT)),
        },
        broken=3,
    )


EXTREMES = (
    {**MATERIAL, "title": "x" * LONG},
    {**MATERIAL, "title": "Bell\x07 and NUL\x00"},
    {**MATERIAL, "description": "y" * LONG},
    {**MATERIAL, "url": "javascript:alert(document.cookie)"},
    {**MATERIAL, "url": "JAVASCRIPT://example.org/%0Aalert(1)"},
    {**MATERIAL, "place": "session:../../1", "visibility": "everyone"},
    {**MATERIAL, "visibility": ""},
    {**MATERIAL, "url": "", "file": ABSENT},
)


def turin_course():
    organiser = make_user(Role.ORGANISER)
    module = make_module("M1", title="Migration & <local> development")
    course = make_course(
        slug="materials", organisers=(organiser,), modules=(module,), start=date(2030, 11, 18)
    )
    sessions = propose_timetable(course)
    return organiser, course, module, sessions


def placed(data: dict[str, Any], sessions, module) -> dict[str, Any]:
    talk = next(s for s in sessions if not s.is_break)
    a_break = next(s for s in sessions if s.is_break)
    named = {
        "__session__": f"session:{talk.id}",
        "__module__": f"module:{module.id}",
        "__break__": f"session:{a_break.id}",
    }
    out = {k: v for k, v in data.items() if v is not ABSENT}
    if isinstance(out.get("file"), tuple):
        # A fresh stream per post: the test client closes what it sent.
        body, name = out["file"]
        out["file"] = (io.BytesIO(body), name)
    if isinstance(out.get("place"), str):
        out["place"] = named.get(out["place"], out["place"])
    return out


def check_material_shown(client, material: Material) -> None:
    assert_plain(material.title)
    assert 0 < len(material.title) <= 300
    assert_plain(material.description, multiline=True)
    assert material.url == "" or services.is_web_link(material.url)
    assert (material.file is None) != (material.url == "")
    if material.file is not None:
        assert_plain(material.file.filename)
    html = get(client, f"/courses/{material.course.slug}/materials")
    assert_escaped(html, material.title)
    assert_escaped(html, material.description, multiline=True)
    html = get(client, f"/courses/{material.course.slug}/materials/{material.id}/edit")
    assert_escaped(html, material.title)


@run(_posts(), *EXTREMES)
def test_material_new(new_client, data):  # noqa: F811
    fresh()
    organiser, _course, module, sessions = turin_course()
    if isinstance(data.get("file"), tuple):
        data = {**data, "file": (data["file"][0].getvalue(), data["file"][1])}
    client = new_client(organiser)
    before, files_before = snapshot(), stored_bytes()
    response = post(client, "/courses/materials/materials/manage", placed(data, sessions, module))
    if accepted(response, before):
        check_material_shown(client, only(Material))
    else:
        assert stored_bytes() == files_before


@run(_posts(), *EXTREMES)
def test_material_edit(new_client, data):  # noqa: F811
    fresh()
    organiser, course, module, sessions = turin_course()
    from tests.storage.conftest import upload

    a_file = services.add_material(
        course,
        services.MaterialData(title="Old", upload=upload(pdf(), "old.pdf")),
        actor=organiser,
        now=course.created_at,
    )
    a_link = services.add_material(
        course,
        services.MaterialData(title="Old link", url="https://example.org/old"),
        actor=organiser,
        now=course.created_at,
    )
    ids = (a_file.id, a_link.id)
    if isinstance(data.get("file"), tuple):
        data = {**data, "file": (data["file"][0].getvalue(), data["file"][1])}
    client = new_client(organiser)
    for material_id in ids:
        before, files_before = snapshot(), stored_bytes()
        response = post(
            client,
            f"/courses/materials/materials/{material_id}/edit",
            placed(data, sessions, module),
        )
        if accepted(response, before):
            check_material_shown(client, db.session.get(Material, material_id))
            # A replaced file's bytes are gone: one file per file material, still.
            assert len(stored_bytes()) == len(files_before)
        else:
            assert stored_bytes() == files_before
