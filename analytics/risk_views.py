"""Early-warning pages for HR: the latest run's validation next to its scores, expected leavers by
department, high-risk people, one person's score history with feedback, and a CSV export.

HR only (`can_view_risk_scores`); every page or file that shows a person's score writes one audit
entry per person shown (action "view" or "export", entity "risk_score")."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import format_decimal, format_percent, gettext as _
from flask_login import current_user
from sqlalchemy import insert, select

from lms.core.pagination import paginate_rows
from lms.extensions import db
from lms.people.models import AuditEntry, Department, User
from lms.people.views import _page_arg, require

from . import risk
from .charts import bar_chart
from .export import csv_response
from .forms import RiskFeedbackForm
from .models import RiskFeedback, RiskRun, RiskRunStatus, RiskScore, RiskVerdict
from .permissions import can_view_risk_scores
from .views import bp

PER_PAGE = 50


def _fig(value, spread=None) -> str:
    """A validation figure with two decimals in the reader's locale, and its spread across folds."""
    if value is None:
        return "–"
    text = format_decimal(value, format="0.00")
    return f"{text} ± {format_decimal(spread, format='0.00')}" if spread else text


def _pct(p) -> str:
    return "–" if p is None else format_percent(p, format="#,##0.0%")


def _labels() -> dict:
    return {
        "fig": _fig, "pct": _pct,
        "band_labels": {"low": _("Low"), "medium": _("Medium"), "high": _("High"), "withdrawn": _("Withdrawn")},
        "verdict_labels": {"useful": _("Useful"), "incorrect": _("Incorrectly flagged")},
        "method_labels": {"backtest": _("backtest on later periods"), "cv": _("cross-validation, short history"),
                          "insufficient": _("not validated")},
    }


def _audit(scores: list[RiskScore], action: str) -> None:
    """One audit row per person whose score is shown or exported, in one insert."""
    if scores:
        db.session.execute(insert(AuditEntry), [
            {"actor_id": current_user.id, "action": action, "entity_type": "risk_score", "entity_id": s.id,
             "subject_user_id": s.user_id, "changes": {"run_id": s.run_id}} for s in scores])


def status_text(run: RiskRun | None) -> str:
    """Why a run shows no scores, in the reader's language."""
    if run is None:
        return _("Not enough history yet: the early-warning model has not run. It runs every night.")
    m = run.metrics or {}
    if run.status is RiskRunStatus.insufficient:
        return _("Not enough history yet: %(positives)d voluntary leavers in %(n)d person-months with a known outcome. "
                 "At least %(min)d are needed to train the model and check it on data it has not seen, so no "
                 "scores are shown.", positives=m.get("positives") or 0, n=m.get("n") or 0, min=risk.MIN_POSITIVES)
    if run.status is RiskRunStatus.gated:
        auc, spread = m.get("roc_auc"), (m.get("spread") or {}).get("roc_auc") or 0.0
        if auc is not None and auc < risk.MIN_ROC_AUC:
            return _("The model is not good enough to show scores: its ROC AUC on data it was not trained on is "
                     "%(auc).2f, below the %(min).2f required.", auc=auc, min=risk.MIN_ROC_AUC)
        return _("The model is too unstable to show scores: its ROC AUC varies by %(spread).2f between validation "
                 "folds, more than the %(max).2f allowed.", spread=spread, max=risk.MAX_SPREAD)
    return ""


def _scored_run() -> RiskRun | None:
    run = risk.latest_run()
    return run if run is not None and run.status is RiskRunStatus.scored else None


def _high_rows(run: RiskRun):
    return (select(RiskScore, User, Department.name)
            .join(User, User.id == RiskScore.user_id)
            .outerjoin(Department, Department.id == RiskScore.department_id)
            .where(RiskScore.run_id == run.id, RiskScore.band == "high")
            .order_by(RiskScore.probability.desc(), RiskScore.id))


@bp.route("/risk")
@require(can_view_risk_scores)
def risk_overview():
    """The latest run: validation figures, expected leavers by department and the high-risk list."""
    run = risk.latest_run()
    scored = run is not None and run.status is RiskRunStatus.scored
    departments, chart, pagination = [], None, None
    if scored:
        expected = risk.department_expected(run)
        names = dict(db.session.execute(select(Department.id, Department.name)
                                        .where(Department.id.in_([d for d, _n, _e in expected]))).all())
        departments = [(names.get(d, "?"), n, e) for d, n, e in expected]
        if departments:
            chart = bar_chart(
                [name for name, _n, _e in departments], [round(e, 2) for _name, _n, e in departments],
                alt=_("Expected voluntary leavers in the next %(days)d days by department (departments with at "
                      "least %(min)d scored people); the same figures are in the table.",
                      days=run.horizon_days, min=risk.MIN_GROUP),
                x_label=_("Expected voluntary leavers"))
        pagination = paginate_rows(_high_rows(run), _page_arg(), PER_PAGE)
        _audit([row[0] for row in pagination.items], "view")
        db.session.commit()
    return render_template("analytics/risk/index.html", run=run, scored=scored, status=status_text(run),
                           metrics=(run.metrics if run else {}) or {}, departments=departments, chart=chart,
                           pagination=pagination, factor_text=risk.factor_text, feature_labels=risk.FEATURE_LABELS,
                           min_group=risk.MIN_GROUP, min_auc=risk.MIN_ROC_AUC, max_spread=risk.MAX_SPREAD,
                           high_p=risk.HIGH_P, **_labels())


@bp.route("/risk/people/<int:user_id>", methods=["GET", "POST"])
@require(can_view_risk_scores)
def risk_person(user_id: int):
    """One person's current score, its factors and earlier scores, and HR's feedback on it."""
    person = db.get_or_404(User, user_id)
    run = _scored_run()
    current = None if run is None else db.session.execute(
        select(RiskScore).where(RiskScore.run_id == run.id, RiskScore.user_id == person.id,
                                RiskScore.band.in_(risk.SHOWN_BANDS))).scalar_one_or_none()
    if current is None:
        abort(404)
    form = RiskFeedbackForm()
    if form.validate_on_submit():
        db.session.add(RiskFeedback(score_id=current.id, by_id=current_user.id, verdict=RiskVerdict(form.verdict.data),
                                    note=(form.note.data or "").strip()))
        db.session.commit()
        flash(_("Thank you: your feedback is saved with the score."), "success")
        return redirect(url_for("analytics.risk_person", user_id=person.id))
    history = risk.person_scores(person.id)
    feedback = db.session.execute(
        select(RiskFeedback, User).outerjoin(User, User.id == RiskFeedback.by_id)
        .where(RiskFeedback.score_id.in_([s.id for s in history]))
        .order_by(RiskFeedback.created_at.desc())).all()
    department = db.session.get(Department, current.department_id) if current.department_id else None
    _audit([current], "view")
    db.session.commit()
    return render_template("analytics/risk/person.html", person=person, run=run, score=current, history=history,
                           feedback=feedback, form=form, department=department, factor_text=risk.factor_text,
                           metrics=run.metrics or {}, **_labels()), 400 if form.is_submitted() else 200


@bp.route("/risk/export.csv")
@require(can_view_risk_scores)
def risk_export():
    """The high-risk list as CSV (HR only); every person in it is audited as exported."""
    run = _scored_run()
    if run is None:
        abort(404)
    rows = db.session.execute(_high_rows(run)).all()
    _audit([r[0] for r in rows], "export")
    db.session.commit()
    header = [_("Name"), _("E-mail"), _("Employee number"), _("Department"), _("Probability"), _("Main factors")]
    return csv_response(
        f"early-warning-{run.as_of.isoformat()}", header,
        ([user.full_name, user.email, user.employee_number or "", dept or "", f"{score.probability:.3f}",
          "; ".join(risk.factor_text(f) for f in score.factors)] for score, user, dept in rows))
