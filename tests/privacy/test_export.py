"""The export: everything about the person, nothing about the person with the close name."""

from __future__ import annotations

import io
import json
import zipfile

import sqlalchemy as sa
from flask import current_app
from flask.testing import FlaskClient

from app.audit.models import AuditAction, AuditEvent
from app.extensions import db
from app.privacy import export
from tests.conftest import login
from tests.privacy.conftest import World


def _download(client: FlaskClient, world: World) -> zipfile.ZipFile:
    login(client, world.alves.user)
    response = client.post("/account/privacy/export")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    return zipfile.ZipFile(io.BytesIO(response.get_data()))


def test_the_json_holds_each_kind_of_the_persons_data(client: FlaskClient, world: World) -> None:
    archive = _download(client, world)
    data = json.loads(archive.read("atelier-data.json"))
    alves = world.alves

    assert data["format"] == "atelier-personal-data"
    assert data["format_version"] == 1
    assert data["account"]["name"] == "Ana Alves"
    assert data["account"]["email"] == "ana.alves@example.pt"
    assert data["account"]["created_at"].endswith("+00:00")
    slugs = [r["course"]["slug"] for r in data["registrations"]]
    assert sorted(slugs) == ["governing-migration", "mainstreaming-migration"]
    main = next(r for r in data["registrations"] if r["course"]["slug"] == "governing-migration")
    assert main["course"]["start_date"] == "2017-11-20"
    assert main["motivation"] == alves.motivation
    assert main["diet"] == alves.diet
    assert [a["value"] for a in main["answers"] if a["value"]] == [alves.answer_text]
    cv = next(a["file"] for a in main["answers"] if a["file"])
    assert cv["filename"] == "cv-alves.pdf"
    assert main["attendance"] == [{"day": "2017-11-20", "present": True}]
    handin = main["handins"][0]
    assert handin["activity"] == "Action plan"
    assert handin["versions"][0]["text"] == alves.handin_text
    plan = handin["versions"][0]["files"][0]
    assert plan["filename"] == "plan-alves.pdf"
    assert len(main["evaluations_completed"]) == 1
    assert main["certificate"]["code"] == alves.certificate_code
    assert main["certificate"]["name"] == "Ana Alves"
    assert main["visa_letter"]["passport_number"] == "P1234567"
    assert main["visa_letter"]["birth_date"] == "1985-04-02"
    assert main["finance_request"]["justification"] == "I need a fellowship alves"
    assert main["endorsement"]["status"] == "awaiting"
    invoice = main["invoices"][0]
    assert invoice["number"] == "INV-2017-0001"
    assert invoice["total"] == "1200.00"
    assert invoice["payments"][0]["reference"] == "TRF-alves"
    assert [p["body"] for p in data["discussion_posts"]] == [alves.post_text]
    assert [m["to"] for m in data["mail"]] == ["ana.alves@example.pt"]

    # The files' bytes, under the paths the JSON names.
    assert archive.read(cv["path"]) == alves.cv_bytes
    assert archive.read(plan["path"]) == alves.handin_bytes
    assert b"for-alves" in archive.read(data["mail"][0]["path"])
    assert "README-export.txt" in archive.namelist()


def test_nothing_of_the_other_ana_is_in_it(client: FlaskClient, world: World) -> None:
    archive = _download(client, world)
    everything = b"".join(archive.read(name) for name in archive.namelist())
    text = everything.decode("utf-8", errors="replace")
    other = world.alvarez
    for value in (
        other.name,
        other.email,
        other.passport,
        other.answer_text,
        other.motivation,
        other.handin_text,
        other.post_text,
        other.diet,
        "alvarez",
        "Álvarez",
    ):
        assert value not in text, value
    assert other.cv_bytes not in everything
    assert other.handin_bytes not in everything


def test_an_export_is_audited(client: FlaskClient, world: World) -> None:
    _download(client, world)
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == AuditAction.PERSONAL_DATA_EXPORTED)
    ).all()
    assert [(e.actor_id, e.subject_id) for e in events] == [
        (world.alves.user.id, world.alves.user.id)
    ]


def test_the_export_needs_a_log_in(client: FlaskClient, world: World) -> None:
    response = client.post("/account/privacy/export")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_exports_are_limited_per_person(make_limited_app, world: World) -> None:  # type: ignore[no-untyped-def]
    limited = make_limited_app(UPLOAD_FOLDER=current_app.config["UPLOAD_FOLDER"])
    first = login(limited.test_client(), world.alves.user)
    codes = []
    for _ in range(4):
        response = first.post("/account/privacy/export")
        response.close()
        codes.append(response.status_code)
    # Per person, not per address: the other Ana, at the same address, is not blocked.
    second = login(limited.test_client(), world.alvarez.user)
    other = second.post("/account/privacy/export")
    other.close()
    assert codes == [200, 200, 200, 429]
    assert other.status_code == 200


def test_build_keeps_keys_stable(world: World) -> None:
    data, _entries = export.build(world.alves.user)
    assert list(data) == [
        "format",
        "format_version",
        "exported_at",
        "account",
        "consents",
        "erasure_requests",
        "registrations",
        "discussion_posts",
        "mail",
    ]
