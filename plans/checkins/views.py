"""1:1 check-in pages: my check-ins and my team's, one meeting (prep, agenda, agreements, notes),
a pair's history and cadence, and HR's coverage (counts only)."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date, gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from lms.core.dashboard import register_panel
from lms.core.pagination import paginate_rows
from lms.extensions import db
from lms.notifications.service import mark_read_for_path
from lms.people.service import ValidationError
from lms.people.views import _apply_errors, _page_arg, require

from . import permissions as perm
from . import service
from .forms import (
    AgendaItemForm,
    AgreementForm,
    AgreementStatusForm,
    CadenceForm,
    HoldForm,
    PrepForm,
    ScheduleForm,
    agreement_status_labels,
    owner_labels,
)
from .models import (
    AgreementOwner,
    AgreementStatus,
    Cadence,
    OneOnOne,
    OneOnOneAgendaItem,
    OneOnOneAgreement,
    OneOnOnePair,
)

bp = Blueprint("checkins", __name__, url_prefix="/checkins")
PER_PAGE = 20


def _dashboard(user, today) -> dict | None:
    """My next check-in and open agreements; a manager's overdue check-ins."""
    context = service.dashboard_context(user, today)
    if not (context["checkin_pair"] or context["checkin_overdue"]):
        return None
    return {**context, "owner_labels": owner_labels()}


register_panel("checkins", "plans/checkins/_dashboard.html", _dashboard, order=35)


@bp.app_context_processor
def inject_predicates():
    return {"can_open_checkins": perm.can_open_checkins, "can_view_checkin_coverage": perm.can_view_coverage}


def _labels() -> dict:
    return {"cadence_labels": service.cadence_labels(), "owner_labels": owner_labels(),
            "agreement_status_labels": agreement_status_labels(), "grace_days": service.GRACE_DAYS}


def _load_meeting(meeting_id: int) -> OneOnOne:
    """The meeting or 404, then the pair check: only its two participants get further (403)."""
    meeting = db.first_or_404(
        select(OneOnOne).where(OneOnOne.id == meeting_id)
        .options(joinedload(OneOnOne.pair).joinedload(OneOnOnePair.manager),
                 joinedload(OneOnOne.pair).joinedload(OneOnOnePair.report),
                 selectinload(OneOnOne.prep), selectinload(OneOnOne.agenda).joinedload(OneOnOneAgendaItem.author))
    )
    if not perm.can_view_meeting(current_user, meeting):
        abort(403)
    return meeting


def _load_pair(pair_id: int) -> OneOnOnePair:
    pair = db.first_or_404(
        select(OneOnOnePair).where(OneOnOnePair.id == pair_id)
        .options(joinedload(OneOnOnePair.manager), joinedload(OneOnOnePair.report))
    )
    if not perm.can_view_pair(current_user, pair):
        abort(403)
    return pair


# --- overview ----------------------------------------------------------------------------------


@bp.route("/")
@login_required
def home():
    """My check-ins with my manager and, for a manager, the team overview."""
    today = date.today()
    # Keep the viewer's pairs in step with the org chart (idempotent: usually writes nothing).
    if service.sync_pairs(today, report=current_user) + service.sync_pairs(today, manager=current_user):
        db.session.commit()
    mine = []
    for pair in service.pairs_as_report(current_user):
        mine.append({"pair": pair, "next": service.open_meeting(pair) if pair.is_active else None,
                     "agreements": service.open_agreements([pair.id]) if pair.is_active else []})
    team = service.team_overview(current_user, today)
    return render_template("plans/checkins/home.html", mine=mine, team=team, today=today,
                           is_missed=lambda m: service.is_missed(m, today), **_labels())


@bp.route("/coverage")
@require(perm.can_view_coverage)
def coverage():
    """HR: how many pairs met within their cadence, per department and per team. No content."""
    today = date.today()
    service.sync_pairs(today)
    db.session.commit()
    departments, teams, total = service.coverage(today)
    return render_template("plans/checkins/coverage.html", departments=departments, teams=teams, total=total,
                           today=today, missed_window=service.MISSED_WINDOW_DAYS)


# --- a pair ------------------------------------------------------------------------------------


@bp.route("/pairs/<int:pair_id>")
@login_required
def pair_detail(pair_id: int):
    """A pair's check-ins, newest first, and how often they meet."""
    pair = _load_pair(pair_id)
    pagination = paginate_rows(service.pair_meetings_query(pair), _page_arg(), PER_PAGE)
    form = CadenceForm(cadence=pair.cadence.value)
    return render_template("plans/checkins/pair.html", pair=pair, pagination=pagination,
                           meetings=[row[0] for row in pagination.items], form=form, today=date.today(),
                           can_change=perm.can_change_cadence(current_user, pair),
                           agreements=service.open_agreements([pair.id]),
                           is_missed=lambda m: service.is_missed(m, date.today()), **_labels())


@bp.route("/pairs/<int:pair_id>/cadence", methods=["POST"])
@login_required
def pair_cadence(pair_id: int):
    """Either participant changes how often they meet."""
    pair = _load_pair(pair_id)
    if not perm.can_change_cadence(current_user, pair):
        abort(403)
    form = CadenceForm()
    if not form.validate_on_submit():
        abort(400, _("Choose how often you meet."))
    service.change_cadence(pair, Cadence(form.cadence.data), current_user)
    db.session.commit()
    flash(_("You now meet: %(cadence)s.", cadence=service.cadence_labels()[pair.cadence]), "success")
    return redirect(url_for("checkins.pair_detail", pair_id=pair.id))


# --- a meeting ---------------------------------------------------------------------------------


def _meeting_page(meeting: OneOnOne, status: int = 200, **forms):
    today = date.today()
    defaults = {
        "agenda_form": AgendaItemForm(formdata=None),
        "agreement_form": AgreementForm(formdata=None, owner=AgreementOwner.employee.value),
        "schedule_form": ScheduleForm(formdata=None, scheduled_on=meeting.scheduled_on,
                                      scheduled_time=meeting.scheduled_time),
        "hold_form": HoldForm(formdata=None),
    }
    defaults.update(forms)
    return render_template(
        "plans/checkins/meeting.html", meeting=meeting, pair=meeting.pair, today=today,
        carried=service.carried_agreements(meeting), agreed=service.agreements_made_in(meeting),
        status_form=AgreementStatusForm(formdata=None),
        can_prepare=perm.can_prepare(current_user, meeting),
        can_edit_agenda=perm.can_edit_agenda(current_user, meeting),
        can_add_agreement=perm.can_add_agreement(current_user, meeting),
        can_update_agreement=lambda a: perm.can_update_agreement(current_user, a),
        can_run=perm.can_run_meeting(current_user, meeting),
        is_missed=service.is_missed(meeting, today),
        **defaults, **_labels(),
    ), status


@bp.route("/<int:meeting_id>")
@login_required
def meeting(meeting_id: int):
    """One check-in: the employee's prep, the shared agenda, agreements (with those carried over), notes.
    Opening it reads the notifications that point here."""
    meeting = _load_meeting(meeting_id)
    # after the access check, before rendering: the commit expires what the session holds
    if mark_read_for_path(current_user, url_for("checkins.meeting", meeting_id=meeting.id)):
        db.session.commit()
        meeting = _load_meeting(meeting_id)
    return _meeting_page(meeting)


def _act(meeting: OneOnOne, form, form_name: str, action, message: str, anchor: str):
    """Validate, run, commit and go back to the meeting; or show the meeting with the form's errors."""
    if form.validate_on_submit():
        try:
            action()
        except ValidationError as exc:
            db.session.rollback()
            _apply_errors(form, exc)
        else:
            db.session.commit()
            flash(message, "success")
            return redirect(url_for("checkins.meeting", meeting_id=meeting.id, _anchor=anchor))
    return _meeting_page(_load_meeting(meeting.id), 400, **{form_name: form})


@bp.route("/<int:meeting_id>/prep", methods=["GET", "POST"])
@login_required
def prep(meeting_id: int):
    """The employee's short preparation; only the pair reads it."""
    meeting = _load_meeting(meeting_id)
    if not perm.can_prepare(current_user, meeting):
        abort(403)
    form = PrepForm(obj=meeting.prep)
    if form.validate_on_submit():
        data = service.PrepData(
            went_well=form.went_well.data or "", could_be_better=form.could_be_better.data or "",
            workload=form.workload.data, flow=form.flow.data, learning=form.learning.data or "",
            wellbeing=form.wellbeing.data, wellbeing_comment=form.wellbeing_comment.data or "",
        )
        try:
            service.save_prep(meeting, data, current_user)
        except ValidationError as exc:
            db.session.rollback()
            _apply_errors(form, exc)
        else:
            db.session.commit()
            flash(_("Your preparation is saved. Only you and %(name)s can read it.",
                    name=meeting.pair.manager.full_name), "success")
            return redirect(url_for("checkins.meeting", meeting_id=meeting.id))
    return render_template("plans/checkins/prep.html", form=form, meeting=meeting), \
        400 if form.is_submitted() else 200


@bp.route("/<int:meeting_id>/agenda", methods=["POST"])
@login_required
def agenda_add(meeting_id: int):
    """Either participant adds a topic to the shared agenda."""
    meeting = _load_meeting(meeting_id)
    if not perm.can_edit_agenda(current_user, meeting):
        abort(403)
    form = AgendaItemForm()
    return _act(meeting, form, "agenda_form", lambda: service.add_agenda_item(meeting, form.topic.data, current_user),
                _("Added to the agenda."), "agenda")


@bp.route("/agenda/<int:item_id>/discussed", methods=["POST"])
@login_required
def agenda_discussed(item_id: int):
    """Tick a topic off as discussed (or back)."""
    item = db.get_or_404(OneOnOneAgendaItem, item_id)
    meeting = _load_meeting(item.meeting_id)
    if not perm.can_edit_agenda(current_user, meeting):
        abort(403)
    service.set_discussed(item, request.form.get("discussed") == "1")
    db.session.commit()
    return redirect(url_for("checkins.meeting", meeting_id=meeting.id, _anchor="agenda"))


@bp.route("/<int:meeting_id>/agreements", methods=["POST"])
@login_required
def agreement_add(meeting_id: int):
    """Record an agreement with an owner and a follow-up date."""
    meeting = _load_meeting(meeting_id)
    if not perm.can_add_agreement(current_user, meeting):
        abort(403)
    form = AgreementForm()
    return _act(meeting, form, "agreement_form",
                lambda: service.add_agreement(meeting, form.text.data, AgreementOwner(form.owner.data),
                                              form.follow_up_on.data, current_user),
                _("Agreement added. It stays open until you mark it done."), "agreements")


@bp.route("/agreements/<int:agreement_id>/status", methods=["POST"])
@login_required
def agreement_status(agreement_id: int):
    """Mark an agreement done, dropped or open again; back to the meeting it was shown in."""
    agreement = db.first_or_404(
        select(OneOnOneAgreement).where(OneOnOneAgreement.id == agreement_id).options(joinedload(OneOnOneAgreement.pair))
    )
    if not perm.can_view_pair(current_user, agreement.pair):
        abort(403)
    if not perm.can_update_agreement(current_user, agreement):
        abort(403)
    form = AgreementStatusForm()
    if not form.validate_on_submit():
        abort(400, _("Choose a status."))
    service.set_agreement_status(agreement, AgreementStatus(form.status.data))
    db.session.commit()
    back = request.form.get("meeting_id", type=int) or agreement.meeting_id
    if back != agreement.meeting_id:
        target = db.session.get(OneOnOne, back)
        if target is None or target.pair_id != agreement.pair_id:
            back = agreement.meeting_id
    return redirect(url_for("checkins.meeting", meeting_id=back, _anchor="agreements"))


@bp.route("/<int:meeting_id>/schedule", methods=["POST"])
@login_required
def schedule(meeting_id: int):
    """The manager sets the date and time."""
    meeting = _load_meeting(meeting_id)
    if not perm.can_run_meeting(current_user, meeting):
        abort(403)
    form = ScheduleForm()
    return _act(meeting, form, "schedule_form",
                lambda: service.reschedule(meeting, form.scheduled_on.data, form.scheduled_time.data, current_user),
                _("The check-in date is set."), "")


@bp.route("/<int:meeting_id>/hold", methods=["POST"])
@login_required
def hold(meeting_id: int):
    """The manager marks the check-in held with shared notes; the next one is scheduled."""
    meeting = _load_meeting(meeting_id)
    if not perm.can_run_meeting(current_user, meeting):
        abort(403)
    form = HoldForm()
    if form.validate_on_submit():
        try:
            nxt = service.mark_held(meeting, form.notes.data, current_user)
        except ValidationError as exc:
            db.session.rollback()
            _apply_errors(form, exc)
        else:
            db.session.commit()
            flash(_("The check-in is held. The next one is on %(date)s.",
                    date=format_date(nxt.scheduled_on, "medium")), "success")
            return redirect(url_for("checkins.meeting", meeting_id=meeting.id))
    return _meeting_page(_load_meeting(meeting.id), 400, hold_form=form)
