from flask import Blueprint

bp = Blueprint("courses", __name__)


@bp.route("/")
def index():
    return "courses"


@bp.route("/manage/courses")
def manage():
    return "manage"


@bp.route("/courses/<slug>")
def show(slug):
    return "show"


@bp.route("/courses/<slug>/edit")
def edit(slug):
    return "edit"


@bp.route("/courses/<slug>/modules")
def edit_modules(slug):
    return "modules"


@bp.route("/courses/<slug>/team")
def team(slug):
    return "team"
