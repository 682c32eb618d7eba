"""The events blueprint, shared by the public pages (views.py) and the organiser's (manage.py)."""

from flask import Blueprint

bp = Blueprint("events", __name__)
