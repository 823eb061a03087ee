from flask import Blueprint

bp = Blueprint("venues", __name__, url_prefix="/venues")


@bp.route("/")
def index():
    return "venues"
