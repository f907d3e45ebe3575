"""HR pages that close the loop: the alert centre (open alerts with their evidence, dismiss, record an
action), the actions list, one action's follow-up against a comparison, and the report across actions."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date, gettext as _
from flask_login import current_user
from sqlalchemy import select

from lms.core.pagination import paginate_rows
from lms.extensions import db
from lms.people.forms import as_choices
from lms.people.models import AuditEntry, User
from lms.people.service import department_tree
from lms.people.views import _page_arg, _submit, require

from . import actions, alerts
from .charts import line_chart
from .export import csv_response
from .forms import DismissAlertForm, RetentionActionForm, action_kind_labels
from .models import ActionKind, AlertKind, AlertStatus, RetentionAction, RetentionAlert
from .permissions import can_manage_retention_actions
from .views import bp

PER_PAGE = 25


def _kind_arg() -> AlertKind | None:
    raw = request.args.get("kind", "")
    if not raw:
        return None
    try:
        return AlertKind(raw)
    except ValueError:
        abort(400, _("Unknown kind of alert."))


def _log_score_views(alert_rows: list[RetentionAlert]) -> None:
    """A high-risk alert shows a person's score: every such view is in the audit log, as a view of
    that score (entity "risk_score", like the early-warning pages), noting the alert it was seen on."""
    high = [a for a in alert_rows if a.kind is AlertKind.high_risk]
    if not high:
        return
    from .models import RiskScore

    keys = {((a.details or {}).get("run_id"), a.scope_id) for a in high}
    score_ids = {(run_id, user_id): score_id for score_id, run_id, user_id in db.session.execute(
        select(RiskScore.id, RiskScore.run_id, RiskScore.user_id)
        .where(RiskScore.run_id.in_({k[0] for k in keys if k[0] is not None}),
               RiskScore.user_id.in_({k[1] for k in keys})))}
    for alert in high:
        run_id = (alert.details or {}).get("run_id")
        db.session.add(AuditEntry(actor_id=current_user.id, action="view", entity_type="risk_score",
                                  entity_id=score_ids.get((run_id, alert.scope_id)), subject_user_id=alert.scope_id,
                                  changes={"seen_on": [None, f"retention alert {alert.id}"]}))


@bp.route("/alerts")
@require(can_manage_retention_actions)
def alert_centre():
    """Open alerts grouped by kind, newest first, each with its evidence and what HR can do."""
    kind = _kind_arg()
    pagination = paginate_rows(alerts.open_alerts_query(kind), _page_arg(), PER_PAGE)
    rows = [row[0] for row in pagination.items]
    named = alerts.preload_scopes(rows)  # noqa: F841 (held while the page is built)
    groups: list[tuple[AlertKind, list]] = []
    for alert in rows:
        if not groups or groups[-1][0] is not alert.kind:
            groups.append((alert.kind, []))
        groups[-1][1].append((alert, alerts.describe(alert), alerts.scope_name(alert)))
    page = render_template("analytics/alerts/centre.html", groups=groups, pagination=pagination, kind=kind,
                           counts=alerts.open_counts(), labels=alerts.kind_labels(), kinds=alerts.KIND_ORDER,
                           dismiss_form=DismissAlertForm())
    # rendered before the commit, which would expire every alert on the page (one query each)
    _log_score_views(rows)
    db.session.commit()
    return page


@bp.route("/alerts/<int:alert_id>/dismiss", methods=["POST"])
@require(can_manage_retention_actions)
def alert_dismiss(alert_id: int):
    """Dismiss an open alert with a reason."""
    alert = db.get_or_404(RetentionAlert, alert_id)
    form = DismissAlertForm()
    if not form.validate_on_submit():
        abort(400, _("Say why the alert is dismissed."))
    try:
        alerts.dismiss(alert, form.reason.data, current_user)
    except alerts.AlertError as exc:
        db.session.rollback()
        abort(400, str(exc))
    db.session.commit()
    flash(_("The alert is dismissed."), "success")
    return redirect(url_for("analytics.alert_centre"))


def _action_form(alert: RetentionAlert | None = None) -> RetentionActionForm:
    form = RetentionActionForm()
    form.department_id.choices = as_choices(
        [("", _("— no team —"))] + [(d.id, "\u2003" * depth + d.name) for d, depth in department_tree() if d.is_active])
    if request.method == "GET":
        form.taken_on.data = date.today()
        if alert is not None:
            if alert.scope in ("person", "manager"):
                person = db.session.get(User, alert.scope_id)
                form.person.data = person.email if person else ""
            else:
                form.department_id.data = alert.scope_id
            form.kind.data = {AlertKind.missed_checkins: "manager_conversation",
                              AlertKind.absence_spike: "workload_review",
                              AlertKind.high_risk: "manager_conversation"}.get(alert.kind, "other")
    return form


def _record(form: RetentionActionForm, alert: RetentionAlert | None):
    return _submit(
        form,
        lambda: actions.record_action(actions.ActionData(
            kind=ActionKind(form.kind.data), person=form.person.data or "", department_id=form.department_id.data,
            taken_on=form.taken_on.data, note=form.note.data or ""), current_user, alert),
        _("The action is recorded. Its follow-up fills in over the coming weeks."),
        lambda action: url_for("analytics.action_detail", action_id=action.id),
    )


def _person_links(user: User | None) -> list[tuple[str, str]]:
    """Links to the existing tools for the person (HR opens them as usual; nothing is done here)."""
    if user is None:
        return []
    return [(_("Mentor matching"), url_for("mentoring.admin")),
            (_("Development plan and playlists"), url_for("devplans.person_plan", user_id=user.id)),
            (_("1:1 check-ins coverage"), url_for("checkins.coverage"))]


@bp.route("/alerts/<int:alert_id>/act", methods=["GET", "POST"])
@require(can_manage_retention_actions)
def alert_act(alert_id: int):
    """Record what was done about an alert; the alert becomes "acted"."""
    alert = db.get_or_404(RetentionAlert, alert_id)
    if alert.status is AlertStatus.dismissed:
        abort(400, _("This alert was dismissed."))
    form = _action_form(alert)
    done = _record(form, alert)
    if done:
        return done
    person = db.session.get(User, alert.scope_id) if alert.scope in ("person", "manager") else None
    page = render_template("analytics/alerts/act.html", form=form, alert=alert, message=alerts.describe(alert),
                           links=_person_links(person))
    _log_score_views([alert])  # the message states a high-risk alert's score and factors
    db.session.commit()
    return page, 400 if form.is_submitted() else 200


@bp.route("/actions/new", methods=["GET", "POST"])
@require(can_manage_retention_actions)
def action_new():
    """Record an action without an alert."""
    form = _action_form()
    done = _record(form, None)
    if done:
        return done
    return render_template("analytics/alerts/act.html", form=form, alert=None, message=None,
                           links=[]), 400 if form.is_submitted() else 200


@bp.route("/actions")
@require(can_manage_retention_actions)
def action_list():
    """Every recorded action, newest first."""
    pagination = paginate_rows(actions.actions_query(), _page_arg(), PER_PAGE)
    return render_template("analytics/alerts/actions.html", pagination=pagination,
                           rows=[row[0] for row in pagination.items], kinds=action_kind_labels())


def _chart(action: RetentionAction, result: dict):
    own = result.get("person_series") or result.get("team_series")
    if not own:
        return None
    mine_label = _("This person") if result["type"] == "person" else _("This team")
    other_label = _("Comparable people") if result["type"] == "person" else _("Rest of the organisation")
    series = {mine_label: own}
    if result.get("comparison_series"):
        series[other_label] = result["comparison_series"]
    return line_chart(series, alt=_("Active learning days per week, 12 weeks before and after the action on %(date)s.",
                                    date=format_date(action.taken_on)),
                      y_label=_("Active days per week"), y_min=0)


@bp.route("/actions/<int:action_id>")
@require(can_manage_retention_actions)
def action_detail(action_id: int):
    """One action's follow-up: engagement before and after against a comparison, retention, caveats."""
    action = db.get_or_404(RetentionAction, action_id)
    result = actions.follow_up(action)
    page = render_template("analytics/alerts/action.html", action=action, result=result,
                           chart=_chart(action, result), kinds=action_kind_labels(),
                           message=alerts.describe(action.alert) if action.alert else None,
                           links=_person_links(action.user))
    if action.alert is not None:
        _log_score_views([action.alert])  # the alert's message states a high-risk score and its factors
        db.session.commit()
    return page


@bp.route("/actions/<int:action_id>/follow-up.csv")
@require(can_manage_retention_actions)
def action_csv(action_id: int):
    """The weekly figures of one action's follow-up."""
    action = db.get_or_404(RetentionAction, action_id)
    result = actions.follow_up(action)
    own = result.get("person_series") or result.get("team_series") or []
    other = dict(result.get("comparison_series") or [])
    return csv_response(f"action-{action.id}-follow-up", [_("Week"), _("Subject"), _("Comparison")],
                        [(w.isoformat(), v, other.get(w)) for w, v in own])


@bp.route("/actions/report")
@require(can_manage_retention_actions)
def action_report():
    """Across all actions, by kind: how many, and retention after six months against comparisons."""
    rows = actions.cached_report()
    db.session.commit()  # a report computed now is kept for the next view
    return render_template("analytics/alerts/report.html", rows=rows, kinds=action_kind_labels(),
                           caveats=actions.caveats("person"), min_group=actions.MIN_GROUP)


@bp.route("/actions/report.csv")
@require(can_manage_retention_actions)
def action_report_csv():
    labels = action_kind_labels()
    return csv_response("retention-actions-by-kind", [
        _("Kind of action"), _("Actions"), _("For a person"), _("For a team"), _("Six months old"),
        _("Still employed after 6 months"), _("Comparable people still employed")],
        [(str(labels[r["kind"].value]), r["n"], r["n_person"], r["n_team"], r["n_due"], r["employed_share"],
          r["comparison_share"]) for r in actions.cached_report()])
