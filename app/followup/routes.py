from flask import Blueprint

bp = Blueprint("followup", __name__)
