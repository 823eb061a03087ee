from flask import Blueprint

bp = Blueprint("courses", __name__)


@bp.route("/")
def index():
    return "courses"


@bp.route("/manage/courses")
def manage():
    return "manage"
