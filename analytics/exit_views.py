"""Exit interview and alumni pages: the leaver's questionnaire (by e-mailed link, no sign-in), HR's
list, detail with notes and coding, reason patterns, the alumni list; managers flag regretted leavers."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user, login_required
from sqlalchemy import select

from lms.core.pagination import paginate_rows
from lms.extensions import db
from lms.people.models import EmploymentSpell, User
from lms.people.service import ValidationError, department_tree
from lms.people.views import _page_arg, require

from . import exits
from .charts import heatmap
from .exit_forms import ExitQuestionnaireForm, HrNotesForm, InviteBackForm, RehireForm
from .forms import ActionForm
from .export import Report, Section, csv_response, pdf_response, stamp
from .models import AlumniMember, ExitInterview, ExitReason, RehireEligibility, WouldReturn
from .permissions import (
    can_flag_regretted,
    can_manage_alumni,
    can_read_exit_interviews,
    can_view_former_reports,
)
from .pulse import subtree_ids
from .views import MAX_ID, bp

PER_PAGE = 25


def _private(response):
    """The questionnaire link carries a secret: keep it out of caches and Referer headers."""
    response = make_response(response)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


# --- the leaver's questionnaire --------------------------------------------------------------------


@bp.route("/exit/<token>", methods=["GET", "POST"])
def exit_questionnaire(token: str):
    """The confidential exit questionnaire, opened from the e-mailed link; works without signing in."""
    interview = exits.interview_for_token(token)
    if interview is None:
        abort(404)
    if interview.submitted_at is not None:
        status = 409 if request.method == "POST" else 200
        return _private((render_template("analytics/exits/thanks.html"), status))
    if exits.is_link_expired(interview):
        return _private((render_template("analytics/exits/expired.html"), 410))
    form = ExitQuestionnaireForm()
    if form.validate_on_submit():
        answers = exits.Answers(
            stay_suggestion=form.stay_suggestion.data or "", challenges=form.challenges.data or "",
            valued=form.valued.data or "",
            reasons=[ExitReason(r) for r in form.reasons.data or [] if r in ExitReason._value2member_map_],
            recommend_score=form.recommend_score.data,
            would_return=WouldReturn(form.would_return.data) if form.would_return.data else None,
            alumni_opt_in=bool(form.alumni_opt_in.data), alumni_email=form.alumni_email.data or "",
        )
        try:
            exits.submit_answers(interview, answers)
        except exits.AlreadySubmitted:
            db.session.rollback()
            return _private((render_template("analytics/exits/thanks.html"), 409))
        except ValidationError as exc:
            db.session.rollback()
            getattr(form, exc.field).errors = list(getattr(form, exc.field).errors) + [str(exc.message)]
        else:
            db.session.commit()
            return _private(redirect(url_for("analytics.exit_questionnaire", token=token)))
    status = 400 if form.is_submitted() else 200
    return _private((render_template("analytics/exits/questionnaire.html", form=form, interview=interview), status))


# --- HR: interviews ---------------------------------------------------------------------------------


@bp.route("/exits")
@require(can_read_exit_interviews)
def exits_list():
    """Exit interviews, newest leavers first; filter by department (with sub-departments) and status."""
    dept_id = request.args.get("department", type=int)
    if dept_id is not None and not 0 < dept_id <= MAX_ID:
        abort(400, _("Unknown department."))
    status = request.args.get("status", "")
    if status not in ("", "answered", "pending"):
        abort(400, _("Unknown status filter."))
    depts = subtree_ids([dept_id]) if dept_id else None
    pagination = paginate_rows(exits.interviews_query(depts, status), _page_arg(), PER_PAGE)
    return render_template("analytics/exits/list.html", rows=pagination.items, pagination=pagination,
                           dept_id=dept_id, status=status, departments=department_tree(), today=date.today(),
                           expired=exits.is_link_expired)


def _notes_form(interview: ExitInterview) -> HrNotesForm:
    form = HrNotesForm()
    if request.method == "GET":
        form.hr_notes.data = interview.hr_notes
        form.reasons.data = [r.reason.value for r in interview.reasons]
    return form


@bp.route("/exits/<int:interview_id>", methods=["GET", "POST"])
@require(can_read_exit_interviews)
def exit_detail(interview_id: int):
    """One leaver's answers, HR's notes and coding, and the regretted flag."""
    interview = db.get_or_404(ExitInterview, interview_id)
    spell = db.get_or_404(EmploymentSpell, interview.spell_id)
    form = _notes_form(interview)
    if form.validate_on_submit():
        reasons = [ExitReason(r) for r in form.reasons.data or [] if r in ExitReason._value2member_map_]
        exits.save_hr_notes(interview, form.hr_notes.data or "", reasons, current_user)
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("analytics.exit_detail", interview_id=interview.id))
    notes_by = db.session.get(User, interview.notes_by_id) if interview.notes_by_id else None
    status = 400 if form.is_submitted() else 200
    return render_template("analytics/exits/detail.html", interview=interview, spell=spell, form=form,
                           notes_by=notes_by, labels=exits.reason_labels(), returns=exits.would_return_labels(),
                           action=ActionForm(), expired=exits.is_link_expired(interview)), status


@bp.route("/exits/spells/<int:spell_id>/regretted", methods=["POST"])
@login_required
def exit_regretted(spell_id: int):
    """Flag or unflag a voluntary leaver as regretted: HR, or the leaver's manager on that spell."""
    spell = db.get_or_404(EmploymentSpell, spell_id)
    if not can_flag_regretted(current_user, spell):
        abort(403)
    if not ActionForm().validate_on_submit():
        abort(400)
    regretted = request.form.get("regretted") == "1"
    try:
        exits.set_regretted(spell, regretted)
    except ValidationError as exc:
        db.session.rollback()
        abort(400, str(exc.message))
    db.session.commit()
    flash(_("%(name)s is flagged as a regretted leaver.", name=spell.user.full_name) if regretted
          else _("%(name)s is no longer flagged as a regretted leaver.", name=spell.user.full_name), "success")
    interview = db.session.execute(select(ExitInterview).where(ExitInterview.spell_id == spell.id)).scalar_one_or_none()
    if can_read_exit_interviews(current_user) and interview is not None:
        return redirect(url_for("analytics.exit_detail", interview_id=interview.id))
    return redirect(url_for("analytics.exit_former_reports"))


@bp.route("/exits/former-reports")
@require(can_view_former_reports)
def exit_former_reports():
    """A manager's reports who left in the last year, to flag regretted leavers; no questionnaire answers."""
    return render_template("analytics/exits/former_reports.html", spells=exits.former_reports(current_user),
                           action=ActionForm())


# --- HR: reason patterns ----------------------------------------------------------------------------


def _group_label(pattern: exits.ReasonPatterns, group: str) -> str:
    if group == exits.OTHER:
        return _("Other groups")
    if pattern.group_by == "tenure":
        return str(exits.tenure_band_labels().get(group, group))
    return group


def _patterns_note() -> str:
    return _("Coded reasons of answered exit questionnaires of voluntary leavers. Groups with fewer than %(num)d "
             "answered questionnaires are not shown separately.", num=exits.MIN_GROUP)


def _pattern_rows(pattern: exits.ReasonPatterns) -> tuple[list[str], list[tuple[str, list[int]]]]:
    columns = [_group_label(pattern, g) for g in pattern.table.columns]
    labels = exits.reason_labels()
    rows = [(str(labels[ExitReason(r)]), [int(v) for v in pattern.table.loc[r]]) for r in pattern.table.index]
    return columns, rows


@bp.route("/exits/patterns")
@require(can_read_exit_interviews)
def exit_patterns():
    """Coded reasons of voluntary leavers by department, manager or tenure for one calendar year.

    Only calendar years are offered: overlapping periods could be subtracted from each other."""
    group_by = request.args.get("by", "department")
    if group_by not in exits.GROUP_BYS:
        abort(400, _("Group by department, manager or tenure."))
    this_year = date.today().year
    year = request.args.get("year", this_year, type=int)
    if not 2000 <= year <= this_year + 1:
        abort(400, _("The year is out of range."))
    pattern = exits.reason_patterns(group_by, date(year, 1, 1), date(year, 12, 31))
    columns, rows = _pattern_rows(pattern)
    answered = [pattern.answered[g] for g in pattern.table.columns]
    fmt = request.args.get("format", "")
    if fmt not in ("", "csv", "pdf"):
        abort(400, _("Unknown export format."))
    title = _("Reasons for leaving, %(year)d", year=year)
    header = [_("Reason"), *columns]
    table = [[label, *values] for label, values in rows] + [[_("Answered questionnaires"), *answered]]
    if fmt == "csv":
        return csv_response(f"exit-reasons-{group_by}-{year}", header, table)
    chart = None
    if columns:
        chart = heatmap([label for label, _v in rows], columns, [values for _l, values in rows],
                        alt=_("Heatmap of reasons for leaving (rows) by group (columns); the table below has the "
                              "same numbers."), title=title)
    if fmt == "pdf":
        report = Report(title=title, subtitle=_patterns_note(), footer=stamp(current_user.full_name) + " · "
                        + _("Confidential: HR only"),
                        sections=[Section(chart=chart, header=header if columns else (), rows=table if columns else (),
                                          paragraphs=() if columns else (_("Not enough answered questionnaires of "
                                                                           "voluntary leavers in this year to show "
                                                                           "any group."),))])
        return pdf_response(f"exit-reasons-{group_by}-{year}", report)
    return render_template("analytics/exits/patterns.html", pattern=pattern, columns=columns, rows=rows,
                           answered=answered, group_by=group_by, year=year, this_year=this_year, chart=chart,
                           min_group=exits.MIN_GROUP)


# --- HR: alumni ---------------------------------------------------------------------------------------


@bp.route("/alumni")
@require(can_manage_alumni)
def alumni_list():
    """Alumni who opted in, with rehire eligibility, re-hires (boomerangs) and invitations back."""
    eligible = request.args.get("eligible") == "1"
    pagination = paginate_rows(exits.alumni_query(eligible), _page_arg(), PER_PAGE)
    members = [row[0] for row in pagination.items]
    return render_template("analytics/exits/alumni.html", members=members, pagination=pagination, eligible=eligible,
                           boomerang=exits.boomerang_spell, rehire_form=RehireForm, invite_form=InviteBackForm(),
                           labels=exits.rehire_labels(), today=date.today())


@bp.route("/alumni/<int:member_id>/rehire", methods=["POST"])
@require(can_manage_alumni)
def alumni_rehire(member_id: int):
    """HR sets rehire eligibility (eligible, not eligible, unknown) with a note."""
    member = db.get_or_404(AlumniMember, member_id)
    form = RehireForm()
    if not form.validate_on_submit():
        abort(400, " ".join(e for errors in form.errors.values() for e in errors))
    exits.set_rehire(member, RehireEligibility(form.rehire.data), form.rehire_note.data or "", current_user)
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for("analytics.alumni_list"))


@bp.route("/alumni/invite", methods=["POST"])
@require(can_manage_alumni)
def alumni_invite():
    """E-mail the ticked eligible alumni an invitation back (once a day each)."""
    form = InviteBackForm()
    if not form.validate_on_submit():
        abort(400)
    ids = [int(v) for v in request.form.getlist("member_id") if v.isascii() and v.isdigit() and len(v) <= 9][:500]
    if not ids:
        abort(400, _("Tick the alumni to invite."))
    invited = exits.invite_alumni_back(ids, form.message.data or "")
    db.session.commit()
    skipped = len(set(ids)) - len(invited)
    flash(ngettext("%(num)d alumnus is invited back.", "%(num)d alumni are invited back.", len(invited)), "success")
    if skipped:
        flash(ngettext("%(num)d was skipped: not eligible, opted out or invited today.",
                       "%(num)d were skipped: not eligible, opted out or invited today.", skipped), "info")
    return redirect(url_for("analytics.alumni_list"))


@bp.route("/alumni/opt-out/<token>", methods=["GET", "POST"])
def alumni_opt_out(token: str):
    """Leave the alumni list from the link in an invitation e-mail; works without signing in."""
    member = exits.member_for_opt_out_token(token)
    if member is None:
        abort(404)
    form = ActionForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        exits.opt_out(member)
        db.session.commit()
    return _private(render_template("analytics/exits/opt_out.html", member=member, form=form,
                                    done=member.opted_out_at is not None))
