from flask import Blueprint
bp = Blueprint("devplans", __name__, url_prefix="/plans")
