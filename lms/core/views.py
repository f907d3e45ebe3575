"""Home page, profile, language choice, system status and the health check."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from ..extensions import db
from ..people import service as people
from ..people.forms import ProfileForm
from ..people.models import Department, EmploymentSpell, Role, User
from ..auth.views import safe_next
from ..people.permissions import can_manage_people, can_view_system
from .dashboard import render_panels
from .models import WorkerHeartbeat

bp = Blueprint("core", __name__)


@bp.route("/")
@login_required
def index():
    """The personal start page: who I am here, and the work waiting for my roles."""
    today = date.today()
    spell = current_user.current_spell
    ctx: dict = {"spell": spell, "today": today}
    if current_user.has_role(Role.manager):
        ctx["team_size"], ctx["team_starting"] = people.team_size(current_user, today)
    if can_manage_people(current_user):
        ctx["org"] = _org_figures(today)
    ctx["panels"] = render_panels(current_user, today)
    return render_template("lms/core/index.html", **ctx)


def _org_figures(today: date) -> dict:
    """Head-count figures for HR, in one query."""
    current = (EmploymentSpell.hire_date <= today) & (
        EmploymentSpell.end_date.is_(None) | (EmploymentSpell.end_date >= today)
    )
    row = db.session.execute(select(
        select(func.count()).where(current).scalar_subquery().label("headcount"),
        select(func.count()).where(EmploymentSpell.hire_date > today).scalar_subquery().label("starting"),
        select(func.count()).select_from(Department).where(Department.is_active.is_(True))
        .scalar_subquery().label("departments"),
        select(func.count()).select_from(User).where(User.is_active.is_(True)).scalar_subquery().label("people"),
    )).one()
    return row._asdict()


@bp.route("/me", methods=["GET", "POST"])
@login_required
def profile():
    """My details, my employment history and my language."""
    form = ProfileForm(obj=current_user)
    if request.method == "GET":
        form.preferred_language.data = current_user.preferred_language or ""
    if form.validate_on_submit():
        current_user.preferred_language = form.preferred_language.data or None
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("core.profile"))
    return render_template("lms/core/profile.html", form=form), 400 if form.is_submitted() else 200


@bp.route("/language", methods=["POST"])
def set_language():
    """The language switcher: saved on the profile when signed in, in the session otherwise."""
    lang = request.form.get("language", "")
    if lang not in current_app.config["LANGUAGES"]:
        abort(400, _("Unknown language."))
    session["language"] = lang
    if current_user.is_authenticated:
        current_user.preferred_language = lang
        db.session.commit()
    return redirect(safe_next(request.form.get("next")))


@bp.route("/admin/system")
@login_required
def system_status():
    """For admins: which database and broker this instance uses and whether workers are alive."""
    if not can_view_system(current_user):
        abort(403)
    db_url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    broker = current_app.config["CELERY"]["broker_url"]
    revision = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none()
    workers = db.session.execute(select(WorkerHeartbeat).order_by(WorkerHeartbeat.seen_at.desc())).scalars().all()
    return render_template(
        "lms/core/system.html",
        database=db_url.render_as_string(hide_password=True),
        broker=broker.split("@")[-1] if "@" in broker else broker,
        revision=revision,
        workers=workers,
        env=current_app.config["FASTHOLD_ENV"],
    )


@bp.route("/healthz")
def healthz():
    """For load balancers: 200 when the database answers."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any database failure means unhealthy
        return jsonify(status="database unavailable"), 503
    return jsonify(status="ok")
