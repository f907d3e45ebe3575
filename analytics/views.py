"""HR pages for analytics: HRIS and absence imports (upload, preview and mapping, report, confirm)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from lms.extensions import db
from lms.people.models import utcnow
from lms.people.views import require

from . import hris
from .forms import ActionForm, UploadForm
from .models import HrisImport, ImportKind, ImportStatus
from .permissions import can_import_hr_data

bp = Blueprint("analytics", __name__, url_prefix="/analytics")

#: larger files are refused (a 10,000-person HRIS export is about 2 MB)
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


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
                                 content=text, mapping=mapping, uploaded_by_id=request_user_id())
                db.session.add(imp)
                db.session.flush()
                _check(imp, warning)
                db.session.commit()
                return redirect(url_for("analytics.hris_import", import_id=imp.id))
    recent = db.session.execute(
        select(HrisImport).order_by(HrisImport.created_at.desc(), HrisImport.id.desc()).limit(20)
    ).scalars().all()
    return render_template("analytics/hris/upload.html", form=form, recent=recent), 400 if form.errors else 200


def request_user_id() -> int:
    from flask_login import current_user

    return current_user.id


def _check(imp: HrisImport, warning: str | None = None) -> None:
    """Dry-run the import with the stored mapping and keep the report on the import."""
    try:
        report = hris.run_import(imp.kind.value, imp.content, imp.mapping, dry_run=True).as_dict()
    except hris.ImportFileError as exc:
        report = {"file_error": str(exc)}
    if warning:
        report.setdefault("warnings", []).insert(0, warning)
    imp.report = report


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
    try:
        report = hris.run_import(imp.kind.value, imp.content, imp.mapping, dry_run=False)
    except hris.ImportFileError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("analytics.hris_import", import_id=imp.id))
    imp.report = report.as_dict()
    imp.status = ImportStatus.applied
    imp.applied_at = utcnow()
    imp.content = ""  # the people data now lives in the people tables; no second copy is kept
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
