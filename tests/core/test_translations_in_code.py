"""Strings built in code reach the reader in their language, not only the marked ones.

``test_translations.py`` checks that every marked string has a translation; these tests catch
the strings that escape it: a lazy string turned into text when the module is imported (it
stays English for ever), a sub-form that does not ask WTForms for its translations (its
built-in messages stay English), a literal shown to people without ``_()``. Pages rendered in
French and Spanish are then searched for English sentences of the catalogue.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import wtforms
from babel.messages.pofile import read_po
from flask import Flask
from flask_babel import force_locale

import app as app_package
from app.accounts.models import Role
from app.extensions import db
from app.registration.models import RegistrationStatus
from tests.conftest import login
from tests.factories import make_course, make_registration, make_user, make_venue

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app"

EAGER = {"_", "gettext", "ngettext", "pgettext", "npgettext"}
LAZY = {"_l", "lazy_gettext", "lazy_ngettext", "lazy_pgettext"}

# Calls whose text argument (by position) or keywords are shown to people as they are.
SHOWN_ARGUMENT = {"flash": 0, "ValidationError": 0, "SelectChoice": 1}
SHOWN_KEYWORDS = {"label", "message", "description"}
# Files whose literals are content, not interface: the demo data is written in English on
# purpose (its French and Spanish texts sit beside it as data).
CONTENT_FILES = {"app/demo"}


def _python_files() -> list[Path]:
    return sorted(p for p in APP.rglob("*.py") if "translations" not in p.parts)


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _import_time_nodes(tree: ast.Module) -> list[ast.AST]:
    """The nodes Python evaluates when the module is imported: outside function bodies (a
    function's default values count, they are evaluated at import)."""
    found: list[ast.AST] = []

    def walk(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for default in [*child.args.defaults, *child.args.kw_defaults]:
                    if default is not None:
                        found.extend(ast.walk(default))
                found.extend(d for dec in child.decorator_list for d in ast.walk(dec))
                continue
            if isinstance(child, ast.Lambda):
                continue
            found.append(child)
            walk(child)

    walk(tree)
    return found


def _is_lazy(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and _name(node.func) in LAZY


def _frozen_at_import(node: ast.AST) -> str | None:
    """Why ``node`` (evaluated at import) translates too early, or None."""
    if not isinstance(node, (ast.Call, ast.JoinedStr, ast.BinOp)):
        return None
    if isinstance(node, ast.Call):
        name = _name(node.func)
        if name in EAGER:
            return "translated at import, before any reader's language is known"
        if name in {"str", "format"} and any(_is_lazy(arg) for arg in node.args):
            return "a lazy string made text at import"
        if isinstance(node.func, ast.Attribute) and _is_lazy(node.func.value):
            return "a lazy string formatted at import"
    if isinstance(node, ast.JoinedStr) and any(
        _is_lazy(v.value) for v in node.values if isinstance(v, ast.FormattedValue)
    ):
        return "a lazy string put in an f-string at import"
    if isinstance(node, ast.BinOp) and (_is_lazy(node.left) or _is_lazy(node.right)):
        return "a lazy string joined at import"
    return None


def test_no_string_is_translated_when_the_code_is_imported():
    problems = []
    for path in _python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in _import_time_nodes(tree):
            why = _frozen_at_import(node)
            if why:
                where = f"{path.relative_to(ROOT)}:{node.lineno}"  # type: ignore[attr-defined]
                problems.append(f"{where}: {why}: {ast.unparse(node)[:70]}")
    assert problems == []


def _is_literal_text(node: ast.expr) -> bool:
    """A string literal with words in it; an f-string only when its own text has words (one
    made of data alone, such as ``f"{venue} ({zone})"``, needs no translation)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(re.search(r"[A-Za-z]{2}", node.value))
    if isinstance(node, ast.JoinedStr):
        text = "".join(
            v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)
        )
        return bool(re.search(r"[A-Za-z]{2}", text))
    return False


def test_texts_shown_to_people_are_marked_for_translation():
    """Labels, descriptions, validation messages, flashed messages and choice labels are
    written with ``_()``/``_l()``, never as bare literals."""
    problems = []
    for path in _python_files():
        relative = path.relative_to(ROOT).as_posix()
        if any(relative.startswith(prefix) for prefix in CONTENT_FILES):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = _name(node.func)
            shown = [kw.value for kw in node.keywords if kw.arg in SHOWN_KEYWORDS]
            position = SHOWN_ARGUMENT.get(name, 0 if name.endswith("Field") else None)
            if position is not None and len(node.args) > position:
                shown.append(node.args[position])
            problems += [
                f"{relative}:{node.lineno}: {name}({ast.unparse(value)[:60]})"
                for value in shown
                if _is_literal_text(value)
            ]
    assert problems == []


def _form_classes() -> list[type[wtforms.Form]]:
    for module in pkgutil.walk_packages(app_package.__path__, "app."):
        importlib.import_module(module.name)
    found: list[type[wtforms.Form]] = []
    pending = [wtforms.Form]
    while pending:
        cls = pending.pop()
        for sub in cls.__subclasses__():
            pending.append(sub)
            if sub.__module__.startswith("app."):
                found.append(sub)
    return sorted(set(found), key=lambda c: (c.__module__, c.__qualname__))


def _meta(form_class: type[wtforms.Form]) -> wtforms.meta.DefaultMeta:
    # As WTForms builds it when the form is made: every Meta of the class's ancestry.
    bases = tuple(c.Meta for c in form_class.__mro__ if "Meta" in c.__dict__)
    return type("Meta", bases, {})()


WTFORMS_MESSAGE = "Number must be between %(min)s and %(max)s."
IN = {"fr": "Le nombre doit être compris entre", "es": "El número debe estar entre"}


@pytest.mark.parametrize("locale", ["fr", "es"])
def test_every_form_gives_wtforms_messages_in_the_readers_language(app: Flask, locale):
    """Sub-forms (rooms of a venue, texts per language, partners…) are plain WTForms forms:
    unless they ask for translations, "Not a valid integer value." stays English."""
    classes = _form_classes()
    assert len(classes) > 50, "too few forms found: did the import of app's modules change?"
    with app.test_request_context(), force_locale(locale):
        english = [
            f"{c.__module__}.{c.__qualname__}"
            for c in classes
            if IN[locale]
            not in (_meta(c).get_translations(None) or wtforms.i18n.DummyTranslations()).gettext(
                WTFORMS_MESSAGE
            )
        ]
    assert english == []


# Pages in French and Spanish -------------------------------------------------------------


class _Text(HTMLParser):
    """The text a reader sees or hears: text nodes and labelling attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style"}:
            self._skip += 1
        for name, value in attrs:
            if name in {"title", "placeholder", "aria-label", "alt"} and value:
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style"}:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.parts.append(data)


def _english_sentences(locale: str) -> set[str]:
    """The English sentences of the interface and of WTForms that the ``locale`` catalogue
    writes differently: seen on a page in ``locale``, they escaped translation. Only texts of
    three words or more, so that names such as "Turin" or "Email" cannot match by chance."""
    sentences: set[str] = set()
    catalogues = [APP / "translations" / locale / "LC_MESSAGES" / "messages.po"]
    wtforms_po = Path(wtforms.__file__).parent / "locale" / locale / "LC_MESSAGES" / "wtforms.po"
    catalogues.append(wtforms_po)
    for path in catalogues:
        with open(path, "rb") as fh:
            catalog = read_po(fh, locale=locale)
        for message in catalog:
            msgid = message.id if isinstance(message.id, str) else message.id[0]
            if not msgid or "%(" in msgid or "{" in msgid or len(msgid.split()) < 3:
                continue
            string = message.string if isinstance(message.string, str) else message.string[0]
            if string and string != msgid:
                sentences.add(msgid.strip())
    return sentences


def _leaks(html: str, locale: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    english = _english_sentences(locale)
    return sorted({" ".join(p.split()) for p in parser.parts} & english)


def test_the_spanish_desk_has_no_english_left(client):
    organiser = make_user(Role.ORGANISER, locale="es")
    course = make_course(organisers=(organiser,))
    make_registration(course)
    db.session.commit()
    login(client, organiser)

    html = client.get(f"/courses/{course.slug}/participants").get_data(as_text=True)

    assert 'lang="es"' in html
    assert _leaks(html, "es") == []
    assert "Elija una acción" in html


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("fr", "Le nombre doit être compris entre 1 et 5000."),
        ("es", "El número debe estar entre 1 y 5000."),
    ],
)
def test_the_venue_form_says_what_is_wrong_in_the_readers_language(client, locale, expected):
    venue = make_venue(rooms=("Auditorium",))
    admin = make_user(Role.ADMIN, locale=locale)
    db.session.commit()
    login(client, admin)
    data = {
        "name": venue.name,
        "address": venue.address,
        "city": venue.city,
        "country": venue.country,
        "timezone": venue.timezone,
        "rooms-0-room_id": str(venue.rooms[0].id),
        "rooms-0-name": "Auditorium",
        "rooms-0-seats": "0",
        "rooms-1-room_id": "",
        "rooms-1-name": "Sala 2",
        "rooms-1-seats": "dos",
    }

    html = client.post(f"/venues/{venue.id}/edit", data=data).get_data(as_text=True)

    assert expected in html
    assert "Number must be between 1 and 5000." not in html
    assert "Not a valid integer value." not in html
    assert _leaks(html, locale) == []


PAGES = [
    "/courses/{slug}",
    "/courses/{slug}/edit",
    "/courses/{slug}/timetable",
    "/courses/{slug}/participants",
    "/courses/{slug}/selection",
    "/courses/{slug}/modules",
    "/manage/courses",
    "/courses/new",
    "/",
    "/venues/",
    "/venues/{venue}/edit",
    "/modules/new",
]


@pytest.mark.parametrize("locale", ["fr", "es"])
@pytest.mark.parametrize("page", PAGES)
def test_organisers_pages_have_no_english_left(client, locale, page):
    admin = make_user(Role.ADMIN, locale=locale)
    venue = make_venue(rooms=("Auditorium",))
    course = make_course(venue=venue, organisers=(admin,))
    make_registration(course)
    make_registration(course, status=RegistrationStatus.SUBMITTED)
    db.session.commit()
    login(client, admin)

    response = client.get(page.format(slug=course.slug, venue=venue.id))

    assert response.status_code == 200
    assert _leaks(response.get_data(as_text=True), locale) == []
