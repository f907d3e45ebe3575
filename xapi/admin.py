"""Admin pages for the LRS: credentials, and the statement browser with JSON-lines export.

A blueprint of its own beside `views.py` because it is a different kind of door: signed-in
admins with sessions and CSRF, where `views.py` is the xAPI API with HTTP Basic per request.
"""

from __future__ import annotations

import json
from datetime import datetime, time, timezone
from functools import wraps

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    stream_with_context,
    url_for,
)
from flask_wtf.file import FileAllowed, FileField, FileRequired
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms import DateField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from lms.core.forms import BaseForm
from lms.extensions import db
from lms.people.forms import MultiCheckboxField, as_choices
from lms.people.models import Role

from . import service
from .agents import ifi_key
from .auth import SCOPES, create_credential, revoke_credential
from .content import PackageError, import_package, launch_url, package_dir
from .models import ContentPackage, Credential, Statement
from .validation import is_iri

bp = Blueprint("lrs_admin", __name__, url_prefix="/admin/lrs")
PAGE_SIZE = 50


def can_manage_lrs(user) -> bool:
    """LRS credentials and the raw statement stream: administrators only."""
    return user.is_authenticated and user.has_role(Role.admin)


def admin_required(view):
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not can_manage_lrs(current_user):
            abort(403)
        return view(*args, **kwargs)

    return wrapped


class CredentialForm(BaseForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)],
                       description=_l("Which tool uses it, e.g. “Articulate Storyline courses”."))
    scopes = MultiCheckboxField(_l("Scopes"), choices=as_choices((s, s) for s in SCOPES),
                                validators=[DataRequired(message=_l("Choose at least one scope."))])
    submit = SubmitField(_l("Create credential"))


class StatementFilterForm(BaseForm):
    class Meta:
        csrf = False  # a GET filter

    person = StringField(_l("Person (e-mail)"), validators=[Optional(), Length(max=254)])
    verb = StringField(_l("Verb IRI"), validators=[Optional(), Length(max=2048)])
    activity = StringField(_l("Activity IRI"), validators=[Optional(), Length(max=2048)])
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("To"), validators=[Optional()])
    submit = SubmitField(_l("Filter"))


@bp.route("/credentials", methods=["GET", "POST"])
@admin_required
def credentials():
    """List, create and revoke LRS credentials for other tools."""
    form = CredentialForm()
    created = None
    if form.validate_on_submit():
        credential, secret = create_credential(form.name.data, form.scopes.data, current_user.id)
        db.session.commit()
        created = {"key": credential.key, "secret": secret, "name": credential.name}
        form = CredentialForm(formdata=None)
    rows = db.session.execute(
        select(Credential).where(Credential.restricted_actor_ifi.is_(None)).order_by(Credential.created_at.desc())
    ).scalars().all()
    status = 400 if form.is_submitted() and form.errors else 200
    return render_template("xapi/credentials.html", form=form, rows=rows, created=created,
                           endpoint=url_for("xapi.about", _external=True).rsplit("/about", 1)[0] + "/"), status


@bp.route("/credentials/<int:credential_id>/revoke", methods=["POST"])
@admin_required
def revoke(credential_id: int):
    credential = db.get_or_404(Credential, credential_id)
    if credential.revoked_at is None:
        revoke_credential(credential)
        db.session.commit()
        flash(_("%(name)s is revoked; tools using it are refused from now on.", name=credential.name), "success")
    return redirect(url_for("lrs_admin.credentials"))


def _query_from(form: StatementFilterForm) -> service.Query:
    q = service.Query(limit=PAGE_SIZE)
    if form.person.data:
        q.agent = ifi_key({"mbox": "mailto:" + form.person.data.strip()})
    if form.verb.data:
        if not is_iri(form.verb.data.strip()):
            form.verb.errors.append(_("Give a full IRI, e.g. http://adlnet.gov/expapi/verbs/completed"))
        q.verb = form.verb.data.strip()
    if form.activity.data:
        if not is_iri(form.activity.data.strip()):
            form.activity.errors.append(_("Give a full IRI, e.g. https://learn.example.com/courses/42"))
        q.activity = form.activity.data.strip()
    if form.since.data:
        q.since = datetime.combine(form.since.data, time.min, tzinfo=timezone.utc)
    if form.until.data:
        q.until = datetime.combine(form.until.data, time.max, tzinfo=timezone.utc)
    return q


@bp.route("/statements")
@admin_required
def statements():
    """Browse the statement stream, newest first, with filters."""
    form = StatementFilterForm(request.args)
    form.validate()
    q = _query_from(form)
    after = request.args.get("after", type=int)
    rows, next_query = [], None
    if not any(f.errors for f in form):
        if after:
            anchor = db.session.execute(select(Statement).where(Statement.seq == after)).scalar_one_or_none()
            if anchor is None:
                abort(400, _("This page of results no longer exists; start again."))
            q.after = (anchor.stored, anchor.seq)
        rows, next_query = service.query_statements(q)
    args = {k: v for k, v in request.args.items() if k not in ("after", "submit") and v}
    return render_template("xapi/statements.html", form=form, rows=rows, args=args,
                           next_after=next_query.after[1] if next_query else None)


@bp.route("/statements/export.jsonl")
@admin_required
def export():
    """Every statement matching the filters as JSON lines, streamed page by page."""
    form = StatementFilterForm(request.args)
    form.validate()
    q = _query_from(form)
    if any(f.errors for f in form):
        abort(400, _("Fix the filters before exporting."))
    q.limit = service.MAX_LIMIT

    def generate():
        query = q
        while query is not None:
            rows, query = service.query_statements(query)
            for row in rows:
                yield json.dumps(row.data, ensure_ascii=False, separators=(",", ":")) + "\n"

    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return Response(stream_with_context(generate()), mimetype="application/x-ndjson",
                    headers={"Content-Disposition": f'attachment; filename="statements-{stamp}.jsonl"'})


@bp.route("/statements/<statement_id>")
@admin_required
def statement_detail(statement_id: str):
    """One statement as stored, as formatted JSON."""
    row = db.session.execute(select(Statement).where(Statement.id == statement_id.lower())).scalar_one_or_none()
    if row is None:
        abort(404)
    return render_template("xapi/statement.html", row=row,
                           pretty=json.dumps(row.data, indent=2, ensure_ascii=False, sort_keys=True))


# --- content packages ------------------------------------------------------------------------

content_bp = Blueprint("xapi_content", __name__, url_prefix="/content")


def can_manage_content(user) -> bool:
    """Uploading xAPI packages: HR and administrators (course authors come with courses)."""
    return user.is_authenticated and user.has_role(Role.hr, Role.admin)


class PackageForm(BaseForm):
    package = FileField(_l("xAPI package (zip with tincan.xml)"),
                        validators=[FileRequired(message=_l("Choose a zip file.")),
                                    FileAllowed(["zip"], _l("Upload a .zip file."))])
    title = StringField(_l("Title"), validators=[Optional(), Length(max=255)],
                        description=_l("Leave empty to use the title in tincan.xml."))
    submit = SubmitField(_l("Upload"))


@bp.route("/packages", methods=["GET", "POST"])
@login_required
def packages():
    """Upload xAPI packages and launch them."""
    if not can_manage_content(current_user):
        abort(403)
    form = PackageForm()
    if form.validate_on_submit():
        try:
            package = import_package(form.package.data.stream, current_user.id, form.title.data)
        except PackageError as exc:
            db.session.rollback()
            form.package.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("%(title)s is uploaded.", title=package.title), "success")
            return redirect(url_for("lrs_admin.packages"))
    rows = db.session.execute(select(ContentPackage).order_by(ContentPackage.created_at.desc())).scalars().all()
    return render_template("xapi/packages.html", form=form, rows=rows), 400 if form.errors else 200


@content_bp.route("/<int:package_id>/launch", methods=["POST"])
@login_required
def launch(package_id: int):
    """Open a package for the signed-in person with a credential limited to them and this launch."""
    package = db.get_or_404(ContentPackage, package_id)
    base = request.host_url.rstrip("/")
    target = launch_url(package, current_user, base,
                        url_for("xapi_content.file", key=package.storage_key, path=package.launch_path))
    db.session.commit()
    return redirect(target)


@content_bp.route("/<key>/<path:path>")
@login_required
def file(key: str, path: str):
    """A file of an uploaded package, sandboxed so its scripts cannot act as the platform."""
    package = db.session.execute(select(ContentPackage).where(ContentPackage.storage_key == key)).scalar_one_or_none()
    if package is None:
        abort(404)
    response = send_from_directory(package_dir(package), path, max_age=3600)
    response.cache_control.public = False
    response.cache_control.private = True  # signed-in content: no shared caches
    # An opaque origin: package scripts run, but cannot read the platform's cookies or pages.
    response.headers["Content-Security-Policy"] = (
        "sandbox allow-scripts allow-forms allow-popups allow-modals allow-downloads; "
        "default-src 'self' 'unsafe-inline' 'unsafe-eval' data: blob:; connect-src *; "
        "frame-ancestors 'self'"
    )
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response
