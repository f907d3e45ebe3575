"""The retention page: Kaplan–Meier curves by engagement third and hire cohort, log-rank tests and the
Cox model's hazard ratios, with the evidence next to each number and CSV exports (HR only, groups only)."""

from __future__ import annotations

from flask import abort, redirect, render_template, url_for
from flask_babel import format_date, format_decimal, format_percent, gettext as _

from lms.core.forms import BaseForm
from lms.extensions import db

from . import survival
from .charts import step_chart
from .export import csv_response
from .permissions import can_view_retention_analytics
from .views import bp, require


def tercile_label(key: str) -> str:
    return {"low": _("Lowest third"), "middle": _("Middle third"), "high": _("Highest third")}.get(key, key)


def group_label(part: str, key: str) -> str:
    return tercile_label(key) if part == "engagement" else key


def covariate_label(key: str) -> str:
    return {
        "low_third": _("In the lowest third of learning engagement (vs the other two thirds)"),
        "share_10": _("Per 10 percentage points more weeks with learning activity"),
    }.get(key, key)


def insufficient_message(part: dict) -> str:
    """Why a part shows no numbers, in the reader's language."""
    code = part.get("code")
    if code == "few_events":
        return _("Not enough data yet: %(events)d voluntary exits in this analysis, and at least %(min)d are needed "
                 "before figures mean anything.", events=part.get("events", 0), min=survival.MIN_EVENTS)
    if code == "no_activity":
        return _("No learning activity has been recorded yet.")
    if code == "short_history":
        return _("The learning record is shorter than 9 months: engagement cannot yet be compared with what "
                 "happened afterwards.")
    if code == "no_cohort":
        return _("No hire year has at least %(min)d people.", min=survival.MIN_GROUP)
    return _("The model could not be fitted on these data.")


def ratio(value: float) -> str:
    return format_decimal(value, format="#,##0.0#" if value < 1 else "#,##0.0")


def cox_sentence(row: dict) -> str:
    """The headline in plain words, phrased as an association."""
    return _("People in the lowest third of learning engagement leave voluntarily %(hr)s× as often as the other "
             "two thirds at the same tenure and in the same department (95%% confidence interval %(lower)s–%(upper)s).",
             hr=ratio(row["hr"]), lower=ratio(row["lower"]), upper=ratio(row["upper"]))


def _chart(part: str, result: dict, x_label: str):
    curves = {group_label(part, g["label"]): g["curve"] for g in result["groups"]}
    alt = "; ".join(
        _("%(group)s: %(share)s still employed after 12 months", group=group_label(part, g["label"]),
          share=format_percent(g["survival_12"]))
        for g in result["groups"]
    )
    return step_chart(curves, alt=alt, x_label=x_label, y_label=_("Still employed (no voluntary exit)"))


@bp.route("/retention")
@require(can_view_retention_analytics)
def retention():
    """Retention curves and how learning engagement goes with voluntary exits (group figures only)."""
    result = survival.cached_analysis()
    db.session.commit()  # a result computed now is kept for the next view
    charts = {}
    if result["status"] == "ok":
        if result["engagement"]["status"] == "ok":
            charts["engagement"] = _chart("engagement", result["engagement"], _("Months since the landmark date"))
        if result["cohorts"]["status"] == "ok":
            charts["cohorts"] = _chart("cohorts", result["cohorts"], _("Months since hire"))
    return render_template(
        "analytics/retention.html", result=result, charts=charts, group_label=group_label,
        covariate_label=covariate_label, insufficient_message=insufficient_message, cox_sentence=cox_sentence,
        ratio=ratio, min_events=survival.MIN_EVENTS, min_group=survival.MIN_GROUP,
        landmark_weeks=survival.LANDMARK_WEEKS, lookback_weeks=survival.LOOKBACK_WEEKS,
        min_department=survival.MIN_DEPARTMENT_PEOPLE,
    )


@bp.route("/retention/<part>.csv")
@require(can_view_retention_analytics)
def retention_csv(part: str):
    """The curves' points or the Cox table as CSV: the same group figures as the page."""
    if part not in ("curves", "cox"):
        abort(400, description=_("Choose the curves or the Cox table."))
    result = survival.cached_analysis()
    db.session.commit()
    as_of = result["as_of"].isoformat()
    if part == "curves":
        rows = []
        for key, name in (("engagement", _("Engagement third (from the landmark)")), ("cohorts", _("Hire year"))):
            section = result.get(key) or {}
            if section.get("status") != "ok":
                continue
            for g in section["groups"]:
                for t, s, lo, hi in g["curve"]:
                    rows.append([name, group_label(key, g["label"]), g["n"], g["events"], round(t, 3), round(s, 4),
                                 round(lo, 4), round(hi, 4), section["logrank"]["p"] if section["logrank"] else None])
        return csv_response(f"retention-curves-{as_of}", [
            _("Analysis"), _("Group"), _("People"), _("Voluntary exits"), _("Months"), _("Still employed"),
            _("Lower 95%"), _("Upper 95%"), _("Log-rank p-value")], rows)
    cox = result.get("cox") or {}
    rows = []
    if cox.get("status") == "ok":
        start, end = cox["period"]
        for r in cox["rows"]:
            rows.append([covariate_label(r["covariate"]), round(r["hr"], 3), round(r["lower"], 3), round(r["upper"], 3),
                         r["p"], cox["n_people"], cox["n_spells"], cox["events"], start.isoformat(), end.isoformat()])
    return csv_response(f"retention-cox-{as_of}", [
        _("Covariate"), _("Hazard ratio"), _("Lower 95%"), _("Upper 95%"), _("p-value"), _("People"),
        _("Employment spells"), _("Voluntary exits"), _("From"), _("To")], rows)


@bp.route("/retention.pdf")
@require(can_view_retention_analytics)
def retention_pdf():
    """The page as a PDF: both sets of curves with their tables and the Cox model, with the evidence."""
    from flask_login import current_user

    from . import export

    result = survival.cached_analysis()
    db.session.commit()
    sections = [export.Section(paragraphs=[
        _("Data up to %(date)s: %(spells)d employment spells of %(people)d people, %(events)d voluntary exits.",
          date=format_date(result["as_of"]), spells=result.get("n_spells", 0), people=result.get("n_people", 0),
          events=result.get("events", 0)),
        _("Only group figures are shown; no person can be picked out here. Voluntary exits are the event; "
          "involuntary exits and people still employed count as not (yet) having left."),
    ])]
    if result["status"] != "ok":
        sections.append(export.Section(paragraphs=[insufficient_message(result)]))
    else:
        for key, heading, x_label in (
                ("engagement", _("Retention by learning engagement"), _("Months since the landmark date")),
                ("cohorts", _("Retention by hire year"), _("Months since hire"))):
            part = result[key]
            if part["status"] != "ok":
                sections.append(export.Section(heading=heading, paragraphs=[insufficient_message(part)]))
                continue
            p = part["logrank"]["p"] if part["logrank"] else None
            sections.append(export.Section(
                heading=heading, chart=_chart(key, part, x_label),
                header=[_("Group"), _("People"), _("Voluntary exits"), _("Still employed after 12 months")],
                rows=[[group_label(key, g["label"]), g["n"], g["events"],
                       None if g.get("survival_12") is None else format_percent(g["survival_12"])]
                      for g in part["groups"]],
                note=_("Log-rank test p-value: %(p)s", p="–" if p is None else f"{p:.3g}")))
        cox = result["cox"]
        if cox["status"] != "ok":
            sections.append(export.Section(heading=_("Hazard ratios"), paragraphs=[insufficient_message(cox)]))
        else:
            sections.append(export.Section(
                heading=_("Hazard ratios"), paragraphs=[cox_sentence(cox["headline"])],
                header=[_("Covariate"), _("Hazard ratio"), _("Lower 95%"), _("Upper 95%"), _("p-value")],
                rows=[[covariate_label(r["covariate"]), ratio(r["hr"]), ratio(r["lower"]), ratio(r["upper"]),
                       f"{r['p']:.3g}"] for r in cox["rows"]],
                note=_("%(people)d people, %(events)d voluntary exits. An association, not proof of cause.",
                       people=cox["n_people"], events=cox["events"])))
    doc = export.Report(title=_("Retention and learning engagement"), sections=sections,
                        footer=_("Confidential, HR only") + " · " + export.stamp(current_user.full_name))
    return export.pdf_response(f"retention-{result['as_of'].isoformat()}", doc)


@bp.route("/retention/recompute", methods=["POST"])
@require(can_view_retention_analytics)
def retention_recompute():
    """Fit the curves and the Cox model again now (the nightly task does it every night)."""
    if not BaseForm().validate_on_submit():
        abort(400, description=_("The form expired; reload the page and try again."))
    survival.precompute()
    db.session.commit()
    return redirect(url_for("analytics.retention"))
