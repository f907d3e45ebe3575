"""Analytics pages: HRIS and absence imports (upload, preview and mapping, report, confirm) and
pulse surveys (HR defines them and reads thresholded results; employees answer their own invitations)."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user, login_required
from sqlalchemy import select

from lms.core.dashboard import register_panel
from lms.extensions import db
from lms.queue import enqueue
from lms.people.forms import as_choices
from lms.people.models import Department
from lms.people.service import ValidationError, department_tree
from lms.people.views import _page, _submit, require

from . import hris, pulse
from .forms import ActionForm, SurveyForm, UploadForm, topic_labels
from .models import HrisImport, ImportKind, ImportStatus, PulseRound, PulseSurvey, QuestionKind, Schedule
from .permissions import can_import_hr_data, can_manage_surveys, can_open_analytics
from .tasks import apply_import, check_import

bp = Blueprint("analytics", __name__, url_prefix="/analytics")

#: larger files are refused (a 10,000-person HRIS export is about 2 MB)
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
#: files with more rows are checked and imported by a Celery task, not within the request
#: (a 2,000-row file takes a few seconds; 10,000 rows about a minute, see bench/README.md)
SYNC_ROWS = 2_000


def mapping_labels() -> dict[str, str]:
    labels = {c: c for c in (*hris.SPELL_COLUMNS, *hris.ABSENCE_COLUMNS)}
    labels.update({
        hris.ATTRIBUTE: _("Keep as person attribute"),
        hris.PROTECTED: _("Keep as protected attribute (never used by models)"),
        hris.IGNORE: _("Ignore this column"),
    })
    return labels


@bp.route("/hris", methods=["GET", "POST"])
@require(can_import_hr_data)
def hris_upload():
    """Upload an employment or absence file; it is checked at once and nothing is written yet."""
    form = UploadForm()
    if form.validate_on_submit():
        data = form.file.data.stream.read(MAX_UPLOAD_BYTES + 1)
        if len(data) > MAX_UPLOAD_BYTES:
            form.file.errors.append(_("The file is larger than %(mb)d MB; split it.", mb=MAX_UPLOAD_BYTES // 2**20))
        else:
            text, warning = hris.decode(data)
            kind = form.kind.data
            try:
                parsed = hris.parse(text)
                mapping = hris.detect_mapping(parsed.headers, kind)
            except hris.ImportFileError as exc:
                form.file.errors.append(str(exc))
            else:
                imp = HrisImport(kind=ImportKind(kind), filename=(form.file.data.filename or "upload.csv")[:255],
                                 content=text, mapping=mapping, uploaded_by_id=current_user.id)
                db.session.add(imp)
                db.session.flush()
                if len(parsed.rows) > SYNC_ROWS:
                    imp.status = ImportStatus.checking
                    imp.report = {"warnings": [warning]} if warning else None
                    enqueue(check_import, imp.id)
                else:
                    _check(imp, warning)
                db.session.commit()
                return redirect(url_for("analytics.hris_import", import_id=imp.id))
    recent = db.session.execute(
        select(HrisImport).order_by(HrisImport.created_at.desc(), HrisImport.id.desc()).limit(20)
    ).scalars().all()
    return render_template("analytics/hris/upload.html", form=form, recent=recent), 400 if form.errors else 200


def _check(imp: HrisImport, warning: str | None = None) -> None:
    hris.check_stored_import(imp, warning)


def _is_large(imp: HrisImport) -> bool:
    return (imp.report or {}).get("rows", 0) > SYNC_ROWS


@bp.route("/hris/imports/<int:import_id>", methods=["GET", "POST"])
@require(can_import_hr_data)
def hris_import(import_id: int):
    """Preview: the first rows, the column mapping (HR may change it) and the validation report."""
    imp = db.get_or_404(HrisImport, import_id)
    form = ActionForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        if imp.status is not ImportStatus.pending:
            abort(400, _("This import is already finished."))
        parsed = hris.parse(imp.content)
        allowed = set(hris.mapping_targets(imp.kind.value))
        mapping = {}
        for i, header in enumerate(parsed.headers):
            target = request.form.get(f"map-{i}", "")
            if target not in allowed:
                abort(400, _("Choose a column for “%(header)s”.", header=header))
            mapping[header] = target
        imp.mapping = mapping
        if len(parsed.rows) > SYNC_ROWS:
            imp.status = ImportStatus.checking
            enqueue(check_import, imp.id)
        else:
            _check(imp)
        db.session.commit()
        return redirect(url_for("analytics.hris_import", import_id=imp.id))
    try:
        preview = hris.preview(imp.content, imp.kind.value)
    except hris.ImportFileError:
        preview = {"headers": [], "rows": [], "total": 0, "mapping": {}}
    return render_template(
        "analytics/hris/preview.html", imp=imp, preview=preview, form=form, report=imp.report or {},
        targets=hris.mapping_targets(imp.kind.value), labels=mapping_labels(),
        protected={h for h in preview["headers"] if hris.is_protected_header(h)},
    )


@bp.route("/hris/imports/<int:import_id>/confirm", methods=["POST"])
@require(can_import_hr_data)
def hris_confirm(import_id: int):
    """Write the good rows, in one transaction; the report says what was done and what was rejected."""
    imp = db.get_or_404(HrisImport, import_id)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    if imp.status is not ImportStatus.pending:
        abort(400, _("This import is already finished."))
    if _is_large(imp):
        imp.status = ImportStatus.importing
        enqueue(apply_import, imp.id)
        db.session.commit()
        flash(_("The import has started; this page shows the report when it is done."), "success")
        return redirect(url_for("analytics.hris_import", import_id=imp.id))
    try:
        report = hris.apply_stored_import(imp)
    except hris.ImportFileError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("analytics.hris_import", import_id=imp.id))
    db.session.commit()
    flash(_("Imported %(good)d rows; %(rejected)d rejected.", good=report.good, rejected=report.rejected), "success")
    return redirect(url_for("analytics.hris_import", import_id=imp.id))


@bp.route("/hris/imports/<int:import_id>/discard", methods=["POST"])
@require(can_import_hr_data)
def hris_discard(import_id: int):
    imp = db.get_or_404(HrisImport, import_id)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    if imp.status is ImportStatus.pending:
        imp.status = ImportStatus.discarded
        imp.content = ""
        db.session.commit()
        flash(_("The file was discarded; nothing was imported."), "success")
    return redirect(url_for("analytics.hris_upload"))


# --- home ---------------------------------------------------------------------------------------


@bp.route("/")
@require(can_open_analytics)
def home():
    """HR's analytics start page: HR data and pulse surveys."""
    surveys = db.session.execute(select(PulseSurvey).order_by(PulseSurvey.created_at.desc()).limit(50)).scalars().all()
    imports = db.session.execute(
        select(HrisImport).order_by(HrisImport.created_at.desc(), HrisImport.id.desc()).limit(5)).scalars().all()
    return render_template("analytics/home.html", surveys=surveys, imports=imports)


# --- pulse surveys: HR ----------------------------------------------------------------------------


def _organisation_name() -> str:
    root = db.session.execute(select(Department).where(Department.parent_id.is_(None))
                              .order_by(Department.id).limit(1)).scalar_one_or_none()
    return root.name if root else ""


@bp.route("/surveys/new", methods=["GET", "POST"])
@require(can_manage_surveys)
def survey_new():
    """Define a pulse survey: items, schedule and audience."""
    form = SurveyForm()
    labels = topic_labels()
    form.topics.choices = as_choices((t, labels[t]) for t in pulse.STANDARD_TOPICS[1:])
    form.department_ids.choices = as_choices(
        (d.id, "\u2003" * depth + d.name) for d, depth in department_tree() if d.is_active)
    if request.method == "GET":
        form.organisation.data = _organisation_name()
        form.starts_on.data = date.today()
    done = _submit(
        form,
        lambda: pulse.create_survey(pulse.SurveyData(
            title=form.title.data, organisation=form.organisation.data, schedule=Schedule(form.schedule.data),
            starts_on=form.starts_on.data, open_days=form.open_days.data,
            department_ids=list(form.department_ids.data or []), topics=list(form.topics.data or []),
            custom_question=form.custom_question.data or "",
        ), current_user),
        _("Survey created. Its first round opens on its start date; you can also open it now."),
        lambda survey: url_for("analytics.survey_detail", survey_id=survey.id),
    )
    return done or _page("analytics/pulse/survey_form.html", form)


@bp.route("/surveys/<int:survey_id>")
@require(can_manage_surveys)
def survey_detail(survey_id: int):
    """A survey's questions, rounds with response counts, and eNPS over time by department."""
    survey = db.get_or_404(PulseSurvey, survey_id)
    rounds = [(rnd, *pulse.response_counts(rnd)) for rnd in survey.rounds]
    trend = pulse.enps_trend(survey)
    names: list[tuple[object, str, int]] = []
    seen = set()
    for _rnd, results in trend:
        for r in results:
            if r.key not in seen:
                seen.add(r.key)
                names.append((r.key, r.name, r.depth))
    cells = {(rnd.id, r.key): r for rnd, results in trend for r in results}
    return render_template("analytics/pulse/survey.html", survey=survey, rounds=rounds, trend=trend, names=names,
                           cells=cells, question_text=pulse.question_text, today=date.today(),
                           form=ActionForm(), due=pulse.due_opening(survey, date.today()))


@bp.route("/surveys/<int:survey_id>/open", methods=["POST"])
@require(can_manage_surveys)
def survey_open_now(survey_id: int):
    """Open the current period's round now (instead of waiting for the nightly run) and invite."""
    survey = db.get_or_404(PulseSurvey, survey_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if not survey.is_active:
        abort(400, _("This survey is stopped; resume it first."))
    today = date.today()
    if survey.starts_on > today:
        survey.starts_on = today
    opening = pulse.due_opening(survey, today) or today
    if opening + timedelta(days=survey.open_days - 1) < today:
        opening = today
    rnd = pulse.open_round(survey, opening)
    db.session.commit()
    invited, _answered = pulse.response_counts(rnd)
    flash(ngettext("The round %(period)s is open; %(num)d person is invited.",
                   "The round %(period)s is open; %(num)d people are invited.", invited, period=rnd.period), "success")
    return redirect(url_for("analytics.survey_detail", survey_id=survey.id))


@bp.route("/surveys/<int:survey_id>/active", methods=["POST"])
@require(can_manage_surveys)
def survey_set_active(survey_id: int):
    """Stop a survey's schedule (no further rounds open) or resume it; rounds already sent stay."""
    survey = db.get_or_404(PulseSurvey, survey_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    survey.is_active = request.form.get("active") == "1"
    db.session.commit()
    flash(_("The schedule is running again.") if survey.is_active else _("No further rounds will open."), "success")
    return redirect(url_for("analytics.survey_detail", survey_id=survey.id))


@bp.route("/rounds/<int:round_id>/close", methods=["POST"])
@require(can_manage_surveys)
def round_close(round_id: int):
    """Close a round early; its results become available."""
    rnd = db.get_or_404(PulseRound, round_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    pulse.close_round(rnd)
    db.session.commit()
    flash(_("The round is closed."), "success")
    return redirect(url_for("analytics.round_results", round_id=rnd.id))


@bp.route("/rounds/<int:round_id>/results")
@require(can_manage_surveys)
def round_results(round_id: int):
    """Results of a closed round: eNPS and item means by department, thresholds and differencing applied."""
    rnd = db.get_or_404(PulseRound, round_id)
    invited, answered = pulse.response_counts(rnd)
    results = pulse.round_results(rnd)
    questions = list(rnd.survey.questions)
    return render_template("analytics/pulse/results.html", rnd=rnd, survey=rnd.survey, results=results,
                           questions=questions, question_text=pulse.question_text, invited=invited,
                           answered=answered, min_result=pulse.MIN_RESULT, min_detail=pulse.MIN_DETAIL,
                           likert=pulse.likert_labels())


# --- pulse surveys: employees ---------------------------------------------------------------------


@bp.route("/pulse")
@login_required
def pulse_mine():
    """The signed-in person's own open survey invitations (and nobody else's)."""
    return render_template("analytics/pulse/mine.html", invitations=pulse.open_invitations(current_user))


@bp.route("/pulse/<int:round_id>", methods=["GET", "POST"])
@login_required
def pulse_answer(round_id: int):
    """Answer a round one was invited to, once; the answers are stored without the person."""
    rnd = db.get_or_404(PulseRound, round_id)
    invitation = pulse.invitation_for(current_user, rnd)
    if invitation is None:
        abort(404)
    questions = list(rnd.survey.questions)
    form = ActionForm()
    errors: dict[str, str] = {}
    today = date.today()
    if invitation.has_answered or not rnd.is_open_on(today):
        return render_template("analytics/pulse/answer.html", rnd=rnd, questions=questions, form=form, errors={},
                               done=invitation.has_answered, closed=not rnd.is_open_on(today),
                               question_text=pulse.question_text, likert=pulse.likert_labels(), values={})
    values = {}
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        scores, texts = {}, {}
        for q in questions:
            raw = request.form.get(f"q{q.id}", "").strip()
            values[q.id] = raw
            if q.kind is QuestionKind.text:
                texts[q.id] = raw[:4000]
            elif raw.isascii() and raw.isdigit():  # not "²", which int() refuses
                scores[q.id] = int(raw)
            else:
                errors[f"q{q.id}"] = _("Choose an answer.")
        if not errors:
            try:
                pulse.submit_answers(current_user, rnd, scores, texts, today)
            except pulse.AlreadyAnswered as exc:
                db.session.rollback()
                flash(str(exc.message), "error")
                return redirect(url_for("analytics.pulse_answer", round_id=rnd.id))
            except ValidationError as exc:
                db.session.rollback()
                errors[exc.field or "form"] = str(exc.message)
            else:
                db.session.commit()
                flash(_("Thank you! Your answers are stored without your name."), "success")
                return redirect(url_for("analytics.pulse_mine"))
    return render_template("analytics/pulse/answer.html", rnd=rnd, questions=questions, form=form, errors=errors,
                           done=False, closed=False, question_text=pulse.question_text, likert=pulse.likert_labels(),
                           values=values), 400 if errors else 200


@bp.record_once
def _register(state) -> None:
    """The navigation asks `analytics_perm.can_open_analytics(user)`."""
    from . import permissions

    state.app.jinja_env.globals["analytics_perm"] = permissions


def _dashboard(user, today) -> dict | None:
    """Open pulse surveys of the signed-in person on the home page."""
    invitations = pulse.open_invitations(user, today)
    return {"pulse_invitations": invitations} if invitations else None


register_panel("pulse", "analytics/pulse/_dashboard.html", _dashboard, order=60)


#: the largest id an integer column holds; a larger id in an analytics URL is a 404, not a database error
MAX_ID = 2**31 - 1


@bp.url_value_preprocessor
def _ids_in_range(endpoint, values) -> None:
    for value in (values or {}).values():
        if isinstance(value, int) and not 0 < value <= MAX_ID:
            abort(404)


from . import exit_views  # noqa: E402,F401
from . import risk_views  # noqa: E402,F401
from . import retention_views  # noqa: E402,F401
from . import action_views  # noqa: E402,F401
from . import kpi_views  # noqa: E402,F401
