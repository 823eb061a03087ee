"""Calendar feeds and downloads (being written)."""

from flask import Blueprint

bp = Blueprint("feeds", __name__)
