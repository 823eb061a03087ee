"""Atelier: an open-source manager for training courses and events."""

from __future__ import annotations

from typing import Any

from flask import Flask


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the application: configuration, extensions, blueprints, error pages, commands."""
    app = Flask(__name__, instance_relative_config=True)

    from app.config import load_config

    load_config(app, config)

    from app.db import retry_connect
    from app.extensions import babel, csrf, db, login_manager, migrate

    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            retry_connect(engine)
    migrate.init_app(app, db, directory=str(_migrations_dir()))
    csrf.init_app(app)

    from app.core.i18n import select_locale

    babel.init_app(app, locale_selector=select_locale)

    from app.accounts.auth import init_login

    login_manager.init_app(app)
    init_login(login_manager)

    from app.sessions import web as sessions_web

    sessions_web.register(app)

    from app.core import security

    security.init_rate_limits(app)
    security.register(app)

    from app.core.urls import register_converters

    _import_models()
    register_converters(app)
    _register_blueprints(app)

    from app.core import errors, templating

    errors.register(app)
    templating.register(app)

    from app.cli import register_commands

    register_commands(app)

    from app.feeds.conditional import ConditionalFeeds

    # Outermost: calendar apps' polls answered 304 never enter Flask.
    app.wsgi_app = ConditionalFeeds(app)  # type: ignore[method-assign]
    return app


def _migrations_dir() -> Any:
    from pathlib import Path

    return Path(__file__).resolve().parent.parent / "migrations"


def _import_models() -> None:
    # Every model must be known to the metadata before mappers configure or Alembic compares;
    # app.storage.services registers the session events that keep stored files' bytes in step.
    from app.accounts import models as _accounts  # noqa: F401
    from app.alumni import models as _alumni  # noqa: F401
    from app.announcements import models as _announcements  # noqa: F401
    from app.applications import models as _applications  # noqa: F401
    from app.audit import models as _audit  # noqa: F401
    from app.certificates import models as _certificates  # noqa: F401
    from app.checkin import models as _checkin  # noqa: F401
    from app.courses import models as _courses  # noqa: F401
    from app.discussions import models as _discussions  # noqa: F401
    from app.endorsement import models as _endorsement  # noqa: F401
    from app.evaluation import models as _evaluation  # noqa: F401
    from app.evaluation import rating_models as _evaluation_ratings  # noqa: F401
    from app.feeds import models as _feeds  # noqa: F401
    from app.feeds import stamps as _feeds_stamps  # noqa: F401
    from app.finance import models as _finance  # noqa: F401
    from app.followup import models as _followup  # noqa: F401
    from app.invoices import models as _invoices  # noqa: F401
    from app.mail import models as _mail  # noqa: F401
    from app.materials import models as _materials  # noqa: F401
    from app.materials import services as _materials_services  # noqa: F401
    from app.messages import models as _messages  # noqa: F401
    from app.modules import models as _modules  # noqa: F401
    from app.privacy import models as _privacy  # noqa: F401
    from app.registration import models as _registration  # noqa: F401
    from app.schedule import models as _schedule  # noqa: F401
    from app.selection import models as _selection  # noqa: F401
    from app.sessions import models as _sessions  # noqa: F401
    from app.storage import models as _storage  # noqa: F401
    from app.storage import services as _storage_services  # noqa: F401
    from app.twofactor import models as _twofactor  # noqa: F401
    from app.venues import models as _venues  # noqa: F401
    from app.visas import models as _visas  # noqa: F401


def _register_blueprints(app: Flask) -> None:
    from app.accounts import identity_routes as _identity_routes  # noqa: F401  (views on bp)
    from app.accounts.routes import bp as accounts_bp
    from app.alumni.routes import bp as alumni_bp
    from app.announcements.routes import bp as announcements_bp
    from app.applications.routes import bp as applications_bp
    from app.audit.routes import bp as audit_bp
    from app.catalogue.routes import bp as catalogue_bp
    from app.certificates.routes import bp as certificates_bp
    from app.checkin.routes import bp as checkin_bp
    from app.core.routes import bp as core_bp
    from app.courses.routes import bp as courses_bp
    from app.discussions.routes import bp as discussions_bp
    from app.endorsement.routes import bp as endorsement_bp
    from app.evaluation.ratings_routes import bp as ratings_bp
    from app.evaluation.results_routes import bp as results_bp
    from app.evaluation.routes import bp as evaluation_bp
    from app.feeds.routes import bp as feeds_bp
    from app.finance import fellowship_routes as _fellowship_routes  # noqa: F401 - on finance_bp
    from app.finance.routes import bp as finance_bp
    from app.followup import handin_routes as _handin_routes  # noqa: F401 - on followup_bp
    from app.followup.routes import bp as followup_bp
    from app.invoices.routes import bp as invoices_bp
    from app.materials.routes import bp as materials_bp
    from app.messages.routes import bp as messages_bp
    from app.modules.routes import bp as modules_bp
    from app.privacy.routes import bp as privacy_bp
    from app.programmes.routes import bp as programmes_bp
    from app.progress.routes import bp as progress_bp
    from app.registration.desk import bp as desk_bp
    from app.registration.routes import bp as registration_bp
    from app.schedule.routes import bp as schedule_bp
    from app.selection.routes import bp as selection_bp
    from app.sessions.routes import bp as sessions_bp
    from app.twofactor.routes import bp as twofactor_bp
    from app.venues.routes import bp as venues_bp
    from app.visas.routes import bp as visas_bp

    for bp in (
        core_bp,
        catalogue_bp,
        accounts_bp,
        twofactor_bp,
        courses_bp,
        modules_bp,
        programmes_bp,
        schedule_bp,
        followup_bp,
        discussions_bp,
        materials_bp,
        venues_bp,
        registration_bp,
        applications_bp,
        endorsement_bp,
        desk_bp,
        selection_bp,
        certificates_bp,
        progress_bp,
        evaluation_bp,
        privacy_bp,
        audit_bp,
        feeds_bp,
        ratings_bp,
        results_bp,
        checkin_bp,
        announcements_bp,
        alumni_bp,
        messages_bp,
        visas_bp,
        finance_bp,
        invoices_bp,
        sessions_bp,
    ):
        app.register_blueprint(bp)
