from flask import Blueprint

bp = Blueprint("accounts", __name__)


@bp.route("/login")
def login():
    return "login"


@bp.route("/signup")
def signup():
    return "signup"


@bp.post("/logout")
def logout():
    return "logout"


@bp.route("/account")
def profile():
    return "profile"


@bp.route("/admin/users")
def users():
    return "users"
