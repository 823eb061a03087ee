from flask import Blueprint

bp = Blueprint("modules", __name__, url_prefix="/modules")


@bp.route("/")
def index():
    return "modules"
